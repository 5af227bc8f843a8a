"""The report's sections, in the order of a reader's questions: what should I use (executive summary), can I
trust it (quality gate, stability), how much faster/smaller/cheaper (speed, memory, cost), how was it
measured (methods). The page's nav, its sections and report.md are all generated from this one list.

Each section has a template, templates/sections/<id>.html.j2, and, when `markdown`, a macro <id> in
templates/report.md.j2."""

from __future__ import annotations

from dataclasses import dataclass

from pairbench.report.context import ReportContext


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    markdown: bool = True
    only_with: str = ""  # a table the run must have (non-empty) for the section to appear


SECTIONS = [
    Section("summary", "Executive summary"),
    Section("leaderboard", "Leaderboard"),
    Section("recommendations", "Recommendations"),
    Section("llm", "LLM inference", only_with="llm"),
    Section("quality", "Quality parity (the gate)"),
    Section("crossval", "Cross-validation"),
    Section("speed", "Speed"),
    Section("memory", "Memory and CPU"),
    # Figures only: their numbers are the leaderboard's and the profiles table's.
    Section("pareto", "Pareto front: time vs memory", markdown=False),
    Section("radar", "Profile per framework", markdown=False),
    Section("scaling", "Scaling"),
    Section("rl", "Reinforcement learning", only_with="rl_speed_split"),
    Section("cost", "Cost and energy"),
    Section("history", "History and regressions"),
    # One row per timing series: too long to read as Markdown; data/summary.csv has it.
    Section("stability", "Timing series", markdown=False),
    Section("failures", "Failures and skipped cells"),
    Section("ecosystem", "Ecosystem"),
    Section("methods", "Methods"),
    Section("environment", "Environment"),
    Section("downloads", "Downloads", markdown=False),
]


def sections_of(ctx: ReportContext) -> list[Section]:
    """The sections this run has."""
    return [s for s in SECTIONS if not s.only_with or ctx.has(s.only_with)]
