"""LLM serving figures per side (time to first token, tokens/s, sentences/s, latency percentiles, peak memory),
derived from the same summary table as every timing, and the scaling curves (time to first token vs prompt length,
encoder latency vs sequence length) with their log-log slopes and CIs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

LLM_COLUMNS = [
    "task",
    "algorithm",
    "setting",
    "framework",
    "figure",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "peak_rss_mb",
]


def setting_label(params: dict[str, Any], threads: Any = None) -> str:
    keys = ("batch_size", "seq_len", "prompt_len", "new_tokens", "device")
    parts = [f"{k}={params[k]}" for k in keys if k in params]
    return ", ".join(parts + ([f"threads={threads}"] if threads is not None else []))


def cells_of(selection: dict[str, Any]) -> dict[str, tuple[dict[str, Any], Any]]:
    """cell id -> (params, threads) of the run's cells."""
    return {c["cell_id"]: (c.get("params", {}), c.get("threads")) for c in selection.get("cells", [])}


def llm_table(summary: pd.DataFrame, launches: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """One row per (cell, side, figure): encoder sentences/s and batch latency; decoder time to first
    token, decode tokens/s and per-token latency. Rates invert the median and its CI bounds."""
    if summary.empty or "domain" not in summary:
        return pd.DataFrame(columns=LLM_COLUMNS)
    cells = cells_of(selection)
    rss: dict[tuple[str, str], float] = {}
    if not launches.empty and "peak_rss_mb" in launches:
        rss = launches.groupby(["cell_id", "framework"])["peak_rss_mb"].max().to_dict()
    rows = []
    for _, r in summary[summary["domain"] == "llm"].iterrows():
        p, threads = cells.get(r["cell_id"], ({}, None))
        base = {
            "task": r["task"],
            "algorithm": r["algorithm"],
            "setting": setting_label(p, threads),
            "framework": r["framework"],
            "p50_ms": 1e3 * r["p50_s"],
            "p95_ms": 1e3 * r["p95_s"],
            "p99_ms": 1e3 * r["p99_s"],
            "peak_rss_mb": rss.get((r["cell_id"], r["framework"]), np.nan),
        }
        med, lo, hi = r["median_s"], r["median_ci_low_s"], r["median_ci_high_s"]

        def rate(
            items: float,
            unit: str,
            figure: str,
            base: dict[str, Any] = base,
            med: float = med,
            lo: float = lo,
            hi: float = hi,
        ) -> dict[str, Any]:
            return {
                **base,
                "figure": figure,
                "value": items / med,
                "ci_low": items / hi,
                "ci_high": items / lo,
                "unit": unit,
            }

        if r["phase"] == "prefill":
            rows.append(
                {
                    **base,
                    "figure": "time to first token",
                    "value": 1e3 * med,
                    "ci_low": 1e3 * lo,
                    "ci_high": 1e3 * hi,
                    "unit": "ms",
                }
            )
        elif r["phase"] == "decode_token":
            rows.append(rate(1.0, "tokens/s", "decode tokens/s"))
        elif r["phase"] in ("tokenize", "forward", "end_to_end"):
            rows.append(rate(float(p.get("batch_size", 1)), "sentences/s", f"{r['phase']} sentences/s"))
    return pd.DataFrame(rows, columns=LLM_COLUMNS)


# curve -> (task, phase timed, the x axis, the parameters held fixed along it)
CURVES = {
    "time to first token vs prompt length": ("text_generation", "prefill", "prompt_len", ("new_tokens",)),
    "encoder latency vs sequence length": ("sentence_embedding", "forward", "seq_len", ("batch_size",)),
}
SCALING_COLUMNS = ["curve", "algorithm", "fixed", "framework", "threads", "x", "median_s", "ci_low_s", "ci_high_s"]
SLOPE_COLUMNS = [
    "curve",
    "algorithm",
    "fixed",
    "framework",
    "threads",
    "n_points",
    "x_range",
    "slope",
    "slope_ci_low",
    "slope_ci_high",
]
SLOPE_DRAWS = 2000


def llm_scaling(summary: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """One row per point of a scaling curve: (curve, model, fixed parameters, side, threads) at x, with the
    median time and its bootstrap CI. A curve is every cell of a model that differs only in its x parameter."""
    if summary.empty or "domain" not in summary:
        return pd.DataFrame(columns=SCALING_COLUMNS)
    cells = cells_of(selection)
    rows = []
    llm = summary[summary["domain"] == "llm"]
    for curve, (task, phase, x_key, fixed_keys) in CURVES.items():
        for _, r in llm[(llm["task"] == task) & (llm["phase"] == phase)].iterrows():
            p, threads = cells.get(r["cell_id"], ({}, None))
            if x_key not in p:
                continue
            fixed = ", ".join(f"{k}={p[k]}" for k in (*fixed_keys, "device") if k in p)
            rows.append(
                {
                    "curve": curve,
                    "algorithm": r["algorithm"],
                    "fixed": fixed,
                    "framework": r["framework"],
                    "threads": threads,
                    "x": float(p[x_key]),
                    "median_s": r["median_s"],
                    "ci_low_s": r["median_ci_low_s"],
                    "ci_high_s": r["median_ci_high_s"],
                }
            )
    return pd.DataFrame(rows, columns=SCALING_COLUMNS)


def loglog_slope_ci(
    x: np.ndarray, median: np.ndarray, low: np.ndarray, high: np.ndarray, seed: int = 0
) -> tuple[float, float, float]:
    """Least-squares slope of log(median) on log(x), and a 95% CI that carries each point's uncertainty: the
    medians are redrawn from their bootstrap CIs (log-normal, the CI taken as +-1.96 sd in log space) and the
    slope refitted, SLOPE_DRAWS times (seeded). With two points the slope is exact and the CI is the points'."""
    lx, ly = np.log(x), np.log(median)
    sd = np.maximum(np.log(high) - np.log(low), 0.0) / (2 * 1.96)
    centred = lx - lx.mean()
    slope = float(centred @ (ly - ly.mean()) / (centred @ centred))
    draws = ly + np.random.default_rng(seed).standard_normal((SLOPE_DRAWS, len(ly))) * sd
    slopes = (draws - draws.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
    lo, hi = np.percentile(slopes, [2.5, 97.5])
    return slope, float(lo), float(hi)


def llm_slopes(points: pd.DataFrame) -> pd.DataFrame:
    """The fitted log-log slope (and its CI) of every curve with at least two distinct x values."""
    rows = []
    if points.empty:
        return pd.DataFrame(columns=SLOPE_COLUMNS)
    keys = ["curve", "algorithm", "fixed", "framework", "threads"]
    for key, g in points.dropna(subset=["median_s"]).groupby(keys, sort=True, dropna=False):
        g = g[(g["median_s"] > 0) & (g["ci_low_s"] > 0)].sort_values("x")
        if g["x"].nunique() < 2:
            continue
        slope, lo, hi = loglog_slope_ci(
            g["x"].to_numpy(float),
            g["median_s"].to_numpy(float),
            g["ci_low_s"].to_numpy(float),
            g["ci_high_s"].to_numpy(float),
        )
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n_points": len(g),
                "x_range": f"{g['x'].min():g}-{g['x'].max():g}",
                "slope": slope,
                "slope_ci_low": lo,
                "slope_ci_high": hi,
            }
        )
    return pd.DataFrame(rows, columns=SLOPE_COLUMNS)
