"""The first screen: the recommendation per task, the headline speed-ups with CIs, and whether to trust
them (gate, failures, stability, power, regressions), as data. Each finding is one plain line (the
headline of report.md and report.json) and, on the page, a recommendation box or a card."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pairbench.report.formatting import is_missing, times


@dataclass(frozen=True)
class Card:
    kind: str  # good | warn | badc: the colour of its border
    label: str
    big: str
    body: str
    note: str = ""  # a second muted line
    warning: str = ""


@dataclass(frozen=True)
class Recommendation:
    task: str
    framework: str
    confidence: str
    reason: str


@dataclass
class ExecutiveSummary:
    recommendations: list[Recommendation] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _geomean_card(g: pd.Series) -> tuple[str, Card]:
    faster = g["geomean_speedup"] >= 1
    kind = "good" if g["n_slower"] == 0 and g["n_faster"] > 0 else "warn" if g["n_faster"] else "badc"
    # State the CI on the same scale as the headline (speed-up if faster, slow-down if slower).
    low, high = (g["ci_low"], g["ci_high"]) if faster else (1 / g["ci_high"], 1 / g["ci_low"])
    warning = str(g.get("interval_warning") or "") if not is_missing(g.get("interval_warning")) else ""
    # Too few cells for a pooled interval: the cells' own ratios (speed-up, bootstrap CI) say more.
    ci = (
        f"per cell: {g.get('per_cell') or 'n/a'}"
        if is_missing(g["ci_low"])
        else f"95% CI {times(low)} to {times(high)}"
    )
    head = f"{times(g['geomean_speedup'])} faster" if faster else f"{times(1 / g['geomean_speedup'])} slower"
    text = (
        f"{g['candidate']} vs {g['reference']} ({g['domain']}, {g['phase']}): {head} (geometric mean over "
        f"{g['n_cells']} cells, {ci}); {g['n_faster']} faster, {g['n_slower']} slower, "
        f"{g['n_equivalent']} equivalent, {g['n_inconclusive']} inconclusive"
        + (f"; warning: {warning}" if warning else "")
    )
    card = Card(
        kind,
        f"{g['candidate']} vs {g['reference']} · {g['phase']}",
        head,
        f"{ci}, {g['n_cells']} cells",
        f"{g['n_faster']} faster · {g['n_slower']} slower · {g['n_equivalent']} equivalent · "
        f"{g['n_inconclusive']} inconclusive",
        warning,
    )
    return text, card


def _reliability(analysis: dict[str, Any], t: dict[str, pd.DataFrame]) -> tuple[str, Card]:
    summary, cmp = t["summary"], t["comparisons"]
    unstable = int(summary["unstable"].astype(bool).sum()) if "unstable" in summary else 0
    under = int(cmp["underpowered"].astype(bool).sum()) if "underpowered" in cmp else 0
    inconclusive = int((cmp["outcome"] == "inconclusive").sum()) if "outcome" in cmp else 0
    failed = int(analysis.get("n_failed", 0))
    robust = ""
    if "mad_rel" in summary and not summary.empty:
        long = summary[summary["median_s"] >= 1e-3]
        severe = int((summary["outliers_severe"] > 0).sum())
        robust = (
            f"; series ≥ 1 ms: median CV {long['cv'].median():.1%}, median MAD/median {long['mad_rel'].median():.1%} "
            f"({len(long)} series); {severe} series with severe outliers"
            if not long.empty
            else ""
        )
    text = (
        f"{analysis.get('n_ok', 0)} launches ok, {failed} failed; {unstable} of {len(summary)} timing series "
        f"flagged unstable; {inconclusive} of {len(cmp)} comparisons inconclusive, {under} under-powered{robust}"
    )
    card = Card(
        "badc" if failed else "warn" if unstable or under or inconclusive else "good",
        "reliability",
        f"{failed} failed",
        f"{unstable}/{len(summary)} series unstable · {inconclusive}/{len(cmp)} inconclusive · {under} under-powered",
    )
    return text, card


def executive_summary(analysis: dict[str, Any], t: dict[str, pd.DataFrame]) -> ExecutiveSummary:
    out = ExecutiveSummary()
    rec = t["recommendations"]
    if not rec.empty:
        for _, r in rec[rec["rank"] == 1].iterrows():
            out.lines.append(f"{r['task']}: use {r['framework']} (confidence {r['confidence']}). {r['reason']}")
            out.recommendations.append(
                Recommendation(str(r["task"]), str(r["framework"]), str(r["confidence"]), str(r["reason"]))
            )
    uc = t.get("use_cases", pd.DataFrame())
    if not uc.empty:
        for _, r in uc[uc["use_case"] != "weighted"].iterrows():
            trade = "" if is_missing(r["trade_off"]) or not str(r["trade_off"]) else f" Trade-off {r['trade_off']}."
            conf = "" if is_missing(r["confidence"]) else f" (confidence {r['confidence']})"
            text = f"{r['task']}, {r['recommendation']}{conf}.{trade}"
            out.lines.append(text)
            out.use_cases.append(text)
    # LLM: which side for embedding and for generation, and where the answer flips (report/llm.py).
    # RL: the three speeds kept apart, environment, agent update and time to solve (report/rl.py).
    for name in ("llm_advice", "rl_advice"):
        for line in t.get(name, pd.DataFrame(columns=["line"]))["line"]:
            out.lines.append(str(line))
            out.use_cases.append(str(line))
    for _, g in t["geomean_speedups"].iterrows():
        text, card = _geomean_card(g)
        out.lines.append(text)
        out.cards.append(card)
    parity = t["quality_parity"]
    if not parity.empty:
        ok = int(parity["comparable"].astype(bool).sum())
        out.lines.append(f"{ok} of {len(parity)} framework pairs passed the quality gate")
        out.cards.append(
            Card("good" if ok == len(parity) else "warn", "quality gate", f"{ok}/{len(parity)}", "pairs comparable")
        )
    text, card = _reliability(analysis, t)
    out.lines.append(text)
    out.cards.append(card)
    launches = t["launches"]
    if "hit_max_iter" in launches:
        stuck = launches[launches["hit_max_iter"].fillna(False).astype(bool)]
        if not stuck.empty:
            pairs = sorted({f"{f} {a}" for f, a in zip(stuck["framework"], stuck["algorithm"], strict=True)})
            out.lines.append(
                f"{len(stuck)} launches stopped at max_iter without meeting their tolerance "
                f"({', '.join(pairs)}): their fit times measure max_iter iterations, not convergence"
            )
            out.cards.append(Card("warn", "not converged", str(len(stuck)), f"{', '.join(pairs)}: stopped at max_iter"))
    reg = t["regressions"]
    hist = analysis.get("history", {})
    if hist.get("baseline_run"):
        n_reg = int((reg["status"] == "regressed").sum()) if not reg.empty else 0
        n_imp = int((reg["status"] == "improved").sum()) if not reg.empty else 0
        out.lines.append(
            f"vs baseline {hist['baseline_run']}: {n_reg} regressed, {n_imp} improved"
            + (f" ({hist['note']})" if hist.get("note") else "")
        )
        out.cards.append(
            Card(
                "badc" if n_reg else "good",
                f"vs baseline {hist['baseline_run']}",
                f"{n_reg} regressed",
                f"{n_imp} improved",
            )
        )
    return out
