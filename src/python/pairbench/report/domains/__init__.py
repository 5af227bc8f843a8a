"""The domains with a report section (or methods) of their own, one module each; the core (context.py,
sections.py, methods.py) iterates over them and never names one. Adding a domain's report: a module with a
SECTION (base.py's interface) and its templates, listed here; its tables come from analysis/domains/."""

from __future__ import annotations

from pairbench.report.domains import classical, llm, rl
from pairbench.report.domains.base import DomainSection

SECTIONS: tuple[DomainSection, ...] = (classical.SECTION, llm.SECTION, rl.SECTION)
