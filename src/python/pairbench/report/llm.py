"""Report pieces specific to the LLM domain: serving figures (TTFT, tokens/s, sentences/s, latency
percentiles) per side, derived from the same summary table as every timing; the scaling curves (TTFT vs
prompt length, encoder latency vs sequence length) with their log-log slopes; the executive summary's advice
(which side for embedding and for generation, and where the answer flips), from the run's pairs; methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pairbench.report import charts
from pairbench.report.tables import TableView, table_view
from pairbench.report.templating import render_macro

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


_SHORT = {
    "batch_size=": "batch ",
    "seq_len=": "seq ",
    "prompt_len=": "prompt ",
    "new_tokens=": "new ",
    "threads=": "thr ",
}


def _short(setting: str) -> str:
    """A setting short enough for a chart label (bar_chart keeps 48 characters)."""
    for long, short in _SHORT.items():
        setting = setting.replace(long, short)
    return setting.replace(", ", " ")


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


def curve_figures(points: pd.DataFrame, slopes: pd.DataFrame) -> list[tuple[str, str]]:
    """One log-log chart per (curve, model, fixed parameters) with a slope: a line per (side, threads)."""
    out: list[tuple[str, str]] = []
    if slopes.empty:
        return out
    for (curve, algo, fixed), s in slopes.groupby(["curve", "algorithm", "fixed"], sort=True):
        g = points[(points["curve"] == curve) & (points["algorithm"] == algo) & (points["fixed"] == fixed)]
        label = {
            (r["framework"], r["threads"]): f"{r['framework']} t{r['threads']}: {r['slope']:.2f}"
            for _, r in s.iterrows()
        }
        g = g.assign(
            series=[label.get((f, t), "") for f, t in zip(g["framework"], g["threads"], strict=True)],
            ms=1e3 * g["median_s"],
        )
        g = g[g["series"] != ""]
        x_label = "prompt tokens" if curve.startswith("time to first token") else "sequence length (tokens)"
        title = f"{curve}: {algo}" + (f" ({fixed})" if fixed else "")
        out.append((title, charts.line_chart(g, "x", "ms", "series", x_label, "median ms (log)")))
    return out


@dataclass
class LlmView:
    """The LLM section: one bar chart per serving figure, the table with its numbers, the scaling curves and
    their slopes."""

    figures: list[tuple[str, str]] = field(default_factory=list)  # (figure, svg)
    table: TableView | None = None
    curves: list[tuple[str, str]] = field(default_factory=list)  # (title, svg)
    slopes: TableView | None = None
    curve_note: str = ""


def llm_view(table: pd.DataFrame, points: pd.DataFrame | None = None, slopes: pd.DataFrame | None = None) -> LlmView:
    if table.empty:
        return LlmView()
    points = pd.DataFrame(columns=SCALING_COLUMNS) if points is None else points
    slopes = pd.DataFrame(columns=SLOPE_COLUMNS) if slopes is None else slopes
    curves = curve_figures(points, slopes)
    slope_view = None
    note = (
        "No scaling curve: each needs at least two prompt lengths (or sequence lengths) per side and setting; "
        "--grid all (the full profile) runs prompt lengths 32, 128, 512 and sequence lengths 16 to 256."
    )
    if not slopes.empty:
        shown = slopes.copy()
        for col in ("slope", "slope_ci_low", "slope_ci_high"):
            shown[col] = shown[col].map(lambda v: f"{v:.3f}")
        slope_view = table_view(shown, SLOPE_COLUMNS, "t-llm-slopes")
        note = (
            "Log-log slopes: 1 means time grows in proportion to the tokens, above 1 faster (attention's "
            "quadratic term), below 1 a fixed cost dominates. The CI redraws each point's median from its "
            "bootstrap CI (log-normal, 2,000 seeded draws) and refits."
        )
    figures = []
    for figure in ("decode tokens/s", "time to first token", "end_to_end sentences/s"):
        g = table[table["figure"] == figure]
        if not g.empty:
            g = g.assign(label=g["algorithm"] + " (" + g["setting"].map(_short) + ")")
            figures.append((figure, charts.bar_chart(g, "label", "value", "framework", str(g["unit"].iloc[0]))))
    shown = table.copy()
    for col in ("value", "ci_low", "ci_high", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb"):
        shown[col] = shown[col].map(lambda v: f"{v:.4g}" if pd.notna(v) else "")
    return LlmView(figures, table_view(shown, LLM_COLUMNS, "t-llm"), curves, slope_view, note)


def llm_section(table: pd.DataFrame) -> str:
    """HTML of the LLM section (report.md gets the table itself); empty when the run has no LLM cells."""
    if table.empty:
        return ""
    return render_macro("macros.html.j2", "llm_body", llm_view(table))


def llm_methods(selection: dict[str, Any]) -> list[str]:
    cells = [c for c in selection.get("cells", []) if c.get("domain") == "llm"]
    if not cells:
        return []
    tch = (
        [
            "LLM tch side (sentence embeddings only): a BERT written once over the Ops trait the deep-learning "
            "models use (src/rust/llm-common), run by pairbench-tch on the venv's libtorch: the same kernels as "
            "transformers, torch's scaled_dot_product_attention included, driven from Rust (tch vs transformers "
            "isolates the language, tch vs candle-transformers the kernels); the same tokenizers crate code as "
            "candle-transformers' side; gated like it. On candle the same encoder equals candle-transformers' "
            "models::bert within 1e-5 (a unit test)."
        ]
        if any(f.get("name") == "tch" for c in cells for f in c.get("frameworks", []))
        else []
    )
    return [
        "LLM: transformers (PyTorch, attn_implementation=sdpa, eval, torch.inference_mode) vs candle-transformers "
        "(models::bert, models::llama; tokenizers crate), float32 on both, the same safetensors weights and "
        "tokenizer.json (sha256-checked) and the same corpus bytes. Encoder: texts truncated and padded to seq_len, "
        "mean pooling over the attention mask, L2 norm; tokenisation, forward and both timed apart. Decoder: greedy, "
        "KV cache on, end-of-sequence ignored; one repetition is one whole generation from a KV cache made empty "
        "outside the timer on both sides, and the warm-up is whole generations, so time to first token (the prefill, "
        "from position 0) and time per output token and tokens/s (decode positions prompt_len to prompt_len + "
        "new_tokens - 2) describe the same token positions on both sides. SmolLM2 is the Q4_1 GGUF dequantised to f32"
        " by transformers' GGUF reader (q/k un-permuted to rotate-half); candle's Llama config is written from "
        "config.json field by field (rope_theta from rope_parameters). Gate: identical token ids on every corpus "
        "string, embedding cosine >= 0.9999, teacher-forced logits within 1e-3 with the same top-1 (near ties, top-2 "
        "gap < 1e-4, excused), identical greedy ids, and perplexity within 0.5% on a separate public-domain text the "
        "prompt does not contain (the Zen of Python from CPython's `this` module, at most 256 tokens).",
        "LLM threads axis: every LLM cell runs on one core and on all of them (the catalogue's `threads: [1, all]`, "
        "in every profile; `all` = the CPUs phase 1 may use). The count is pinned on both sides (torch.set_num_threads "
        "and OMP/MKL variables in Python; RAYON_NUM_THREADS, which sizes candle's thread pool, in Rust) and each "
        "launch claims that many CPUs of its own. Scaling slopes: least squares of log median time on log prompt "
        "length (TTFT) or sequence length (encoder forward), per side and thread count; the CI redraws each point's "
        "median from its bootstrap CI (log-normal, 2,000 seeded draws). Advice: a side wins a setting when its pair's "
        "verdict says faster (its paired interval wholly beyond the margin); embedding is judged on "
        "end-to-end batch latency, generation on decode tokens/s with time to first token reported beside it.",
        *tch,
    ]
