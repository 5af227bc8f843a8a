"""Figures people would rather look at than read. Every figure is written as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from pairbench.analysis.forest import VERDICT_COLOURS, forest_rows, outcome_of

MARKERS = ["o", "s", "^", "D", "v", "P"]


def speed_ratio_figure(
    comparisons: pd.DataFrame, out_stem: Path, noise: float = 0.02, geomeans: pd.DataFrame | None = None
) -> list[Path]:
    """Forest plot of candidate/reference median-time ratios with bootstrap CIs, one row per
    algorithm x dataset; beyond MAX_FOREST_ROWS rows, one row per domain (geometric mean) instead."""
    if comparisons.empty:
        return []
    comparisons, _ = forest_rows(comparisons, geomeans)
    comparisons = comparisons.assign(
        label=[
            f"{a} / {d}  [{c} vs {r}]"
            for a, d, c, r in comparisons[["algorithm", "dataset", "candidate", "reference"]].itertuples(
                index=False
            )
        ]
    )
    labels = sorted(set(comparisons["label"]))
    y_of = {label: i for i, label in enumerate(labels)}
    phases = sorted(comparisons["phase"].unique())
    offset = {p: (i - (len(phases) - 1) / 2) * 0.25 for i, p in enumerate(phases)}
    marker = {p: MARKERS[i % len(MARKERS)] for i, p in enumerate(phases)}
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.45 * len(labels)))
    ax.axvspan(1 - noise, 1 + noise, color="#dddddd", zorder=0, label=f"noise band ±{noise:.0%}")
    ax.axvline(1.0, color="black", lw=0.8)
    for _, row in comparisons.iterrows():
        y = y_of[row["label"]] + offset[row["phase"]]
        colour = VERDICT_COLOURS[row["outcome"] if "outcome" in row else outcome_of(row["verdict"])]
        ax.errorbar(
            row["ratio"],
            y,
            xerr=[[row["ratio"] - row["ratio_ci_low"]], [row["ratio_ci_high"] - row["ratio"]]],
            fmt=marker[row["phase"]],
            color=colour,
            ms=5,
            capsize=3,
        )
    for phase in phases:
        ax.plot([], [], marker[phase], color="black", label=phase)
    for verdict, colour in VERDICT_COLOURS.items():
        ax.plot([], [], "-", color=colour, label=verdict if " " in verdict else f"candidate {verdict}")
    ax.set_xscale("log")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("candidate time / reference time (median, 95% bootstrap CI; < 1: candidate faster)")
    ax.set_title("Speed ratio per algorithm and dataset")
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 0.3 / max(len(labels), 1)),
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    paths = []
    for ext in ("png", "svg"):
        path = out_stem.with_suffix(f".{ext}")
        # No creation date: the same data gives the same bytes, so figures diff cleanly between runs.
        meta = {"Date": None} if ext == "svg" else {"Software": None}
        fig.savefig(path, dpi=130 if ext == "png" else None, bbox_inches="tight", metadata=meta)
        paths.append(path)
    plt.close(fig)
    return paths
