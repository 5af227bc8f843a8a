"""A/A calibration: what the verdict design does when there is nothing to find, and when there is.

An A/A run (`--aa true`) launches every side of every cell twice per round, as two arms of the same
implementation interleaved exactly like a real pair (harness/rounds.py), so each side's second arm
against its first is a comparison whose true ratio is 1. Their `faster`/`slower` share is the
design's false-verdict rate on this host; the spread of their estimates gives the margin this host
supports (paired.py `supported_delta`, rustc-perf's Q3 + 3 IQR). The calibration domain's
known-effect cells do 1.10x the work on their second arm and must come out `slower`: without them a
design could pass A/A by answering `inconclusive` to everything.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pairbench.analysis import paired

KNOWN_EFFECT_DOMAIN = "calibration"


def calibration_summary(comparisons: pd.DataFrame, delta: float) -> dict[str, Any] | None:
    """analysis.json's `calibration` block, or None when the run had no A/A pairs."""
    if comparisons.empty or "kind" not in comparisons or not (comparisons["kind"] == "aa").any():
        return None
    aa = comparisons[comparisons["kind"] == "aa"]
    known = aa[aa["domain"] == KNOWN_EFFECT_DOMAIN]
    null = aa[aa["domain"] != KNOWN_EFFECT_DOMAIN]
    logs = np.log(null["ratio"].to_numpy(dtype=float)) if len(null) else np.empty(0)
    logs = logs[np.isfinite(logs)]
    false = int(null["outcome"].isin(["faster", "slower"]).sum())
    supported = paired.supported_delta(logs)
    q1, q3 = np.percentile(np.abs(logs), [25, 75]) if logs.size else (math.nan, math.nan)
    out: dict[str, Any] = {
        "aa_comparisons": len(null),
        "outcomes": {o: int((null["outcome"] == o).sum()) for o in paired.OUTCOMES},
        "false_verdicts": false,
        "false_verdict_share": false / len(null) if len(null) else math.nan,
        "log_ratio_sd": float(np.std(logs, ddof=1)) if logs.size > 1 else math.nan,
        "abs_log_ratio_q1": float(q1),
        "abs_log_ratio_q3": float(q3),
        "supported_delta": supported,
        "delta": delta,
        "warning": (
            f"the A/A spread says the margin ±{delta:.1%} is too tight for this host: "
            f"±{supported:.1%} would hold (Q3 + 3 IQR of the A/A ratios)"
            if not math.isnan(supported) and supported > delta
            else ""
        ),
        "known_effect": [
            {
                "cell_id": r.cell_id,
                "side": r.reference,
                "phase": r.phase,
                "ratio": r.ratio,
                "ratio_ci_low": r.ratio_ci_low,
                "ratio_ci_high": r.ratio_ci_high,
                "outcome": r.outcome,
                "detected": r.outcome == "slower",
            }
            for r in known.itertuples(index=False)
        ],
    }
    return out
