"""The domains with phase-5 tables of their own, one module each; analysis/run.py iterates over them and
never names one. Adding a domain's analysis: a module with an ANALYSER (base.py's interface), listed here."""

from __future__ import annotations

import pandas as pd

from pairbench.analysis.domains import llm, rl
from pairbench.analysis.domains.base import DomainAnalyser, DomainInputs

ANALYSERS: tuple[DomainAnalyser, ...] = (llm.ANALYSER, rl.ANALYSER)


def domain_tables(inputs: DomainInputs) -> dict[str, pd.DataFrame]:
    """Every registered domain's tables, by name (each domain returns all of its own, empty or not)."""
    tables: dict[str, pd.DataFrame] = {}
    for analyser in ANALYSERS:
        tables.update(analyser.tables(inputs))
    return tables


def advice_tables() -> list[str]:
    """The tables whose `line` column says what to use, one per domain that has one."""
    return [a.advice for a in ANALYSERS if a.advice]
