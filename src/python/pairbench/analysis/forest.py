"""The rows of the speed forest plot, shared by the figure in analysis/ and the report's, and the one
colour per verdict both draw with."""

from __future__ import annotations

import pandas as pd

VERDICT_COLOURS = {"faster": "#1b7837", "slower": "#b2182b", "no meaningful difference": "#777777"}

# Beyond this many comparisons a forest plot is unreadable: it shows each domain's geometric mean instead.
# One limit for the figure here and the report's.
MAX_FOREST_ROWS = 120


def outcome_of(verdict: str) -> str:
    """The key of VERDICT_COLOURS for a comparison's verdict ('linfa faster' -> 'faster')."""
    return verdict.rsplit(" ", 1)[-1] if verdict.endswith(("faster", "slower")) else "no meaningful difference"


def geomean_rows(geomeans: pd.DataFrame) -> pd.DataFrame:
    """Per-domain geometric means shaped like comparison rows (ratio = 1 / speed-up). A geometric mean has
    no test of its own: its verdict counts the analysis' verdicts on its cells, and it is coloured faster
    (slower) only when no cell went the other way and at least one went its way."""
    ratio, low, high = 1 / geomeans["geomean_speedup"], 1 / geomeans["ci_high"], 1 / geomeans["ci_low"]
    fast, slow = geomeans["n_faster"], geomeans["n_slower"]
    outcome = ["faster" if f > 0 and s == 0 else "slower" if s > 0 and f == 0 else "no meaningful difference"
               for f, s in zip(fast, slow, strict=True)]
    return pd.DataFrame(
        {
            "cell_id": "",
            "algorithm": geomeans["domain"],
            "dataset": "geometric mean",
            "phase": geomeans["phase"],
            "candidate": geomeans["candidate"],
            "reference": geomeans["reference"],
            "ratio": ratio,
            "ratio_ci_low": low.fillna(ratio),
            "ratio_ci_high": high.fillna(ratio),
            "p_holm": float("nan"),
            "outcome": outcome,
            "verdict": [f"cells: {f} faster, {s} slower, {n} no meaningful difference"
                        for f, s, n in zip(fast, slow, geomeans["n_no_difference"], strict=True)],
        }
    )


def forest_rows(comparisons: pd.DataFrame, geomeans: pd.DataFrame | None) -> tuple[pd.DataFrame, bool]:
    """The rows of the speed forest plot, and whether they are the geometric means (too many comparisons)."""
    if len(comparisons) > MAX_FOREST_ROWS and geomeans is not None and not geomeans.empty:
        return geomean_rows(geomeans), True
    rows = comparisons.sort_values(["task", "algorithm", "dataset", "phase"]) if len(comparisons) else comparisons
    return rows.reset_index(drop=True), False
