"""The run at a glance, as data: one row per check a reader makes before trusting the verdicts (the
geometric-mean speed-ups with their cell counts, the quality gate, failures and stability, launches that
stopped at max_iter, regressions against a baseline run). The report shows each row as a card and its
`line` in report.md; it counts nothing itself.

`kind` is the card's colour: good (nothing to worry about), warn (read the detail), badc (something failed)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

COLUMNS = ["check", "kind", "label", "big", "body", "note", "warning", "line"]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _times(ratio: float) -> str:
    return f"{ratio:.3g}x"


def geomean_check(g: pd.Series) -> dict[str, Any]:
    """One geometric mean: its speed-up on the scale of its headline (faster: a speed-up, slower: a
    slow-down), its interval or, with too few cells for one, the cells' own ratios; and every outcome count."""
    # Called faster (slower) only when its cells' verdicts went that way and none the other way, as the forest
    # plot colours it: a geometric mean of undecided cells is a number, not a verdict.
    only_faster, only_slower = g["n_faster"] > 0 and g["n_slower"] == 0, g["n_slower"] > 0 and g["n_faster"] == 0
    kind = "good" if only_faster else "badc" if only_slower else "warn"
    speedup = float(g["geomean_speedup"])
    # The mean is said faster (slower) only where the verdicts and the mean agree on the direction.
    turned = only_slower and speedup < 1  # a slow-down is stated on its own scale, its interval turned round
    low, high = (1 / g["ci_high"], 1 / g["ci_low"]) if turned else (g["ci_low"], g["ci_high"])
    warning = "" if _missing(g.get("interval_warning")) else str(g.get("interval_warning") or "")
    ci = (
        f"per cell: {g.get('per_cell') or 'n/a'}"
        if _missing(g["ci_low"])
        else f"95% CI {_times(low)} to {_times(high)}"
    )
    if turned:
        head = f"{_times(1 / speedup)} slower"
    elif only_faster and speedup >= 1:
        head = f"{_times(speedup)} faster"
    else:
        state = "no cell decided"
        if only_slower or only_faster:
            state = f"only {'slower' if only_slower else 'faster'} cells"
        elif g["n_faster"]:
            state = "cells both ways"
        head = f"speed-up {_times(speedup)}, {state}"
    counts = (
        f"{g['n_faster']} faster, {g['n_slower']} slower, {g['n_equivalent']} equivalent, "
        f"{g['n_inconclusive']} inconclusive"
    )
    return {
        "check": "geomean",
        "kind": kind,
        "label": f"{g['candidate']} vs {g['reference']} · {g['phase']}",
        "big": head,
        "body": f"{ci}, {g['n_cells']} cells",
        "note": counts.replace(", ", " · "),
        "warning": warning,
        "line": f"{g['candidate']} vs {g['reference']} ({g['domain']}, {g['phase']}): {head} (geometric mean over "
        f"{g['n_cells']} cells, {ci}); {counts}" + (f"; warning: {warning}" if warning else ""),
    }


def gate_check(parity: pd.DataFrame) -> dict[str, Any] | None:
    if parity.empty:
        return None
    ok = int(parity["comparable"].astype(str).str.lower().eq("true").sum())
    return {
        "check": "quality_gate",
        "kind": "good" if ok == len(parity) else "warn",
        "label": "quality gate",
        "big": f"{ok}/{len(parity)}",
        "body": "pairs comparable",
        "line": f"{ok} of {len(parity)} framework pairs passed the quality gate",
    }


def reliability_check(counts: dict[str, Any], summary: pd.DataFrame, cmp: pd.DataFrame) -> dict[str, Any]:
    """Failed launches, unstable series, inconclusive and under-powered comparisons, and the spread of the
    series of at least 1 ms."""
    unstable = int(summary["unstable"].astype(bool).sum()) if "unstable" in summary else 0
    under = int(cmp["underpowered"].astype(bool).sum()) if "underpowered" in cmp else 0
    inconclusive = int((cmp["outcome"] == "inconclusive").sum()) if "outcome" in cmp else 0
    failed = int(counts.get("n_failed", 0))
    robust = ""
    if "mad_rel" in summary and not summary.empty:
        long = summary[summary["median_s"] >= 1e-3]
        severe = int((summary["outliers_severe"] > 0).sum())
        if not long.empty:
            robust = (
                f"; series ≥ 1 ms: median CV {long['cv'].median():.1%}, median MAD/median "
                f"{long['mad_rel'].median():.1%} ({len(long)} series); {severe} series with severe outliers"
            )
    return {
        "check": "reliability",
        "kind": "badc" if failed else "warn" if unstable or under or inconclusive else "good",
        "label": "reliability",
        "big": f"{failed} failed",
        "body": f"{unstable}/{len(summary)} series unstable · {inconclusive}/{len(cmp)} inconclusive · "
        f"{under} under-powered",
        "line": f"{counts.get('n_ok', 0)} launches ok, {failed} failed; {unstable} of {len(summary)} timing series "
        f"flagged unstable; {inconclusive} of {len(cmp)} comparisons inconclusive, {under} under-powered{robust}",
    }


def convergence_check(launches: pd.DataFrame) -> dict[str, Any] | None:
    if "hit_max_iter" not in launches:
        return None
    stuck = launches[launches["hit_max_iter"].fillna(False).astype(bool)]
    if stuck.empty:
        return None
    pairs = ", ".join(sorted({f"{f} {a}" for f, a in zip(stuck["framework"], stuck["algorithm"], strict=True)}))
    return {
        "check": "convergence",
        "kind": "warn",
        "label": "not converged",
        "big": str(len(stuck)),
        "body": f"{pairs}: stopped at max_iter",
        "line": f"{len(stuck)} launches stopped at max_iter without meeting their tolerance ({pairs}): their fit "
        "times measure max_iter iterations, not convergence",
    }


def history_check(history: dict[str, Any], regressions: pd.DataFrame) -> dict[str, Any] | None:
    if not history.get("baseline_run"):
        return None
    n_reg = int((regressions["status"] == "regressed").sum()) if not regressions.empty else 0
    n_imp = int((regressions["status"] == "improved").sum()) if not regressions.empty else 0
    note = f" ({history['note']})" if history.get("note") else ""
    return {
        "check": "history",
        "kind": "badc" if n_reg else "good",
        "label": f"vs baseline {history['baseline_run']}",
        "big": f"{n_reg} regressed",
        "body": f"{n_imp} improved",
        "line": f"vs baseline {history['baseline_run']}: {n_reg} regressed, {n_imp} improved{note}",
    }


def checks_table(tables: dict[str, pd.DataFrame], counts: dict[str, Any], history: dict[str, Any]) -> pd.DataFrame:
    """Every check of the run, in the order a reader asks them."""
    rows: list[dict[str, Any] | None] = [geomean_check(g) for _, g in tables["geomean_speedups"].iterrows()]
    rows.append(gate_check(tables["quality_parity"]))
    rows.append(reliability_check(counts, tables["summary"], tables["comparisons"]))
    rows.append(convergence_check(tables["launches"]))
    rows.append(history_check(history, tables["regressions"]))
    return pd.DataFrame([r for r in rows if r], columns=COLUMNS).fillna("")
