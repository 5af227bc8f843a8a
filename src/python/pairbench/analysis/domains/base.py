"""What a domain with analysis of its own implements: a name and one function from the run's inputs to its
tables. analysis/run.py calls every registered domain (analysis/domains/__init__.py) and writes what each
returns as CSV, listed in analysis.json `tables`; the report's side of a domain (report/domains/) renders
those tables and nothing else.

A domain's tables are named after it (`llm_slopes`, `rl_training`) and are always returned, empty with
their columns when the run has no cell of the domain, so that every run writes the same set of files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class DomainInputs:
    """What phase 5 has when the domains run: the result documents, phase 3's validation reports, phase 1's
    selection.json ({} when the analysis was run by hand without it), the core tables (summary,
    comparisons, launches, quality_parity) and the confidence of every interval."""

    results: Sequence[dict[str, Any]]
    validations: Sequence[dict[str, Any]]
    selection: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    confidence: float = 0.95

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    def cells(self) -> dict[str, tuple[dict[str, Any], Any]]:
        """cell id -> (params, threads) of the run's cells."""
        return {c["cell_id"]: (c.get("params", {}), c.get("threads")) for c in self.selection.get("cells", [])}


@dataclass(frozen=True)
class DomainAnalyser:
    """A domain's phase-5 step. `tables` returns every table of the domain by name; `advice` names the one
    whose `line` column says what to use, which the report's use-case section lists."""

    domain: str
    tables: Callable[[DomainInputs], dict[str, pd.DataFrame]]
    advice: str = ""
