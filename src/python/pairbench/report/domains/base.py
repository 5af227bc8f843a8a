"""What a domain with a report section of its own implements (its phase-5 tables are analysis/domains/'s):
the tables it renders, its section, a view of them for its templates, and its methods lines.

The section's templates are templates/sections/<id>.html.j2 and templates/sections/<id>.md.j2; they read
`ctx.domain_views[<id>]`, the object `view` built. A view only lays tables out (TableView, inline SVG, notes):
every number in it was computed by the analysis."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pairbench.report.section import Section
from pairbench.report.tables import Sources

View = Callable[[Mapping[str, pd.DataFrame], Sources], Any]


def _no_methods(selection: dict[str, Any]) -> list[str]:
    return []


@dataclass(frozen=True)
class DomainSection:
    domain: str
    tables: tuple[str, ...] = ()  # the analysis tables it renders, read and exported by the report
    section: Section | None = None  # None: the domain adds methods lines only
    view: View | None = None
    methods: Callable[[dict[str, Any]], list[str]] = _no_methods
