"""The report's sections, in the order of a reader's questions: what did the run find (the first screen: one
picture and a sentence per domain), what should I use and can I trust it (use cases and checks, leaderboard,
recommendations, quality gate), how much faster/smaller/cheaper (speed, memory, the domains' own sections,
cost), how was it measured (methods). The page's nav, its sections and report.md are all generated from this
one list; the domains' sections (report/domains/) come in where DOMAINS stands, in their registry's order."""

from __future__ import annotations

from pairbench.report.context import ReportContext
from pairbench.report.domains import SECTIONS as DOMAIN_SECTIONS
from pairbench.report.section import Section

DOMAINS = Section("<domains>", "")  # where the domains' sections go

CORE = [
    Section("summary", "Executive summary"),
    Section("usecases", "Use cases and checks"),
    Section("leaderboard", "Leaderboard"),
    Section("recommendations", "Recommendations"),
    Section("quality", "Quality parity (the gate)"),
    Section("crossval", "Cross-validation"),
    Section("speed", "Speed"),
    Section("memory", "Memory and CPU"),
    # Figures only: their numbers are the leaderboard's and the profiles table's.
    Section("pareto", "Pareto front: time vs memory", markdown=False),
    Section("radar", "Profile per framework", markdown=False),
    Section("scaling", "Scaling"),
    DOMAINS,
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
SECTIONS = [
    s
    for core in CORE
    for s in ([d.section for d in DOMAIN_SECTIONS if d.section is not None] if core is DOMAINS else [core])
]


def sections_of(ctx: ReportContext) -> list[Section]:
    """The sections this run has."""
    return [s for s in SECTIONS if not s.only_with or ctx.has(s.only_with)]
