"""Phase 5's tables for phase 6's report: the first screen (overview figure rows, readiness and the sentence
per domain), the run's checks, the ecosystem facts from phase 2, the three-way decomposition and the rows of
the Pareto, radar and sweep figures. The report renders these and computes none of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pairbench.analysis.checks import checks_table
from pairbench.analysis.decomposition import decomposition_table
from pairbench.analysis.ecosystem import ecosystem_tables
from pairbench.analysis.figure_tables import pareto_table, radar_table, sweep_table
from pairbench.analysis.overview import overview_table
from pairbench.analysis.readiness import RULE, RULE_TEXT, fixture_models, readiness_tables


def assessment_tables(
    tables: dict[str, pd.DataFrame],
    selection: dict[str, Any],
    implementations: dict[str, Any],
    validations: Sequence[dict[str, Any]],
    counts: dict[str, Any],
    history: dict[str, Any],
) -> dict[str, pd.DataFrame]:
    """`tables`: the core tables (summary, comparisons, launches, resources, quality_parity,
    geomean_speedups, regressions, profiles, rankings)."""
    cmp = tables["comparisons"]
    return {
        "overview": overview_table(cmp, tables["resources"]),
        **readiness_tables(cmp, tables["quality_parity"], selection, validations),
        "checks": checks_table(tables, counts, history),
        **ecosystem_tables(selection, implementations),
        "decomposition": decomposition_table(cmp, selection),
        "pareto_points": pareto_table(tables["profiles"]),
        "profile_radar": radar_table(tables["rankings"], tables["summary"]),
        "scaling_sweep": sweep_table(tables["summary"], tables["launches"]),
    }


def readiness_block(selection: dict[str, Any]) -> dict[str, Any]:
    """analysis.json's `readiness`: the rule's thresholds and text, and the fixture models that make the run a
    functional check (empty when it is not one)."""
    return {**RULE, "rule": RULE_TEXT, "fixtures": fixture_models(selection)}
