"""The two summaries, as the analysis wrote them. The first screen (`headline`): one sentence per domain from
analysis/readiness.py, after a line that says so when the run is a functional check. The use-case section:
the recommendation per task, the use-case lines, each domain's advice and the run's checks as cards
(analysis/checks.py). This module selects and lays out rows; it counts nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pairbench.analysis.domains import advice_tables
from pairbench.report.formatting import is_missing


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
    headline: list[str] = field(default_factory=list)  # the first screen's sentences
    recommendations: list[Recommendation] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the use-case section as plain lines (report.json `details`)


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def executive_summary(t: dict[str, pd.DataFrame]) -> ExecutiveSummary:
    first = t["first_screen"]
    out = ExecutiveSummary(headline=[str(x) for x in first["line"]] if not first.empty else [])
    rec = t["recommendations"]
    if not rec.empty:
        for _, r in rec[rec["rank"] == 1].iterrows():
            out.lines.append(f"{r['task']}: use {r['framework']} (confidence {r['confidence']}). {r['reason']}")
            out.recommendations.append(
                Recommendation(str(r["task"]), str(r["framework"]), str(r["confidence"]), str(r["reason"]))
            )
    uc = t["use_cases"]
    if not uc.empty:
        for _, r in uc[uc["use_case"] != "weighted"].iterrows():
            trade = f" Trade-off {r['trade_off']}." if _text(r["trade_off"]) else ""
            conf = f" (confidence {r['confidence']})" if _text(r["confidence"]) else ""
            text = f"{r['task']}, {r['recommendation']}{conf}.{trade}"
            out.lines.append(text)
            out.use_cases.append(text)
    # Each domain's advice (analysis/domains/: LLM embedding and generation, rl's three speeds).
    for name in advice_tables():
        for line in t.get(name, pd.DataFrame(columns=["line"]))["line"]:
            out.lines.append(str(line))
            out.use_cases.append(str(line))
    for _, c in t["checks"].iterrows():
        out.lines.append(str(c["line"]))
        out.cards.append(
            Card(
                str(c["kind"]),
                str(c["label"]),
                str(c["big"]),
                str(c["body"]),
                _text(c.get("note")),
                _text(c.get("warning")),
            )
        )
    return out
