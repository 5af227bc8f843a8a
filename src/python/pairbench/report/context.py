"""The report's one context: every table, line and figure that index.html, report.md, report.json and
the other exports show, built once from the analysis outputs. The views only lay it out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.report.classical import ScalingStudy, scaling_study
from pairbench.report.domains import SECTIONS as DOMAIN_SECTIONS
from pairbench.report.figures import Figures, build_figures
from pairbench.report.methods import methods_lines
from pairbench.report.summary import ExecutiveSummary, executive_summary
from pairbench.report.tables import Sources, TableView, read_csv, table_view

# The analysis tables the report reads, in the order they are exported (report.json, data/, report.xlsx); the
# domains' tables follow, in their registry's order.
ANALYSIS_TABLES = [
    "first_screen",
    "readiness",
    "overview",
    "checks",
    "comparisons",
    "quality_parity",
    "resources",
    "failures",
    "summary",
    "launches",
    "geomean_speedups",
    "rankings",
    "recommendations",
    "use_cases",
    "cost",
    "regressions",
    "steps",
    "profiles",
    "quality",
    "cross_validation",
    "facts",
    "code_lines",
    "coverage",
    "findings",
    "decomposition",
    "pareto_points",
    "profile_radar",
    "scaling_sweep",
]
DOMAIN_TABLES = [name for d in DOMAIN_SECTIONS for name in d.tables]


def _load_json(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@dataclass
class ReportContext:
    run_id: str
    analysis: dict[str, Any]
    selection: dict[str, Any]
    environment: dict[str, Any]  # the environment's summary: fact -> value
    tables: dict[str, pd.DataFrame]  # every exported table, in export order
    sources: Sources
    summary: ExecutiveSummary
    methods: list[str]
    phases: list[str]
    delta: float
    figures: Figures
    domain_views: dict[str, Any]  # a domain section's id -> what its templates show (report/domains/)
    scaling_study: ScalingStudy | None
    build: str = ""  # the page header's "pairbench <version> at <commit>" (implementations.json)

    @property
    def headline(self) -> list[str]:
        """The first screen's sentences: a functional check says so, then one sentence per domain."""
        return self.summary.headline

    @property
    def readiness(self) -> dict[str, Any]:
        """analysis.json's readiness rule: thresholds, text and the fixture models of a functional check."""
        return dict(self.analysis.get("readiness") or {})

    @property
    def scaling_sweep(self) -> pd.DataFrame:
        return self.frame("scaling_sweep")

    @property
    def cpu(self) -> str:
        return str(self.environment.get("cpu_model", self.environment.get("cpu", "")))

    @property
    def doc(self) -> dict[str, Any]:
        """The head of report.json."""
        return {
            "run_id": self.run_id,
            "headline": self.headline,
            "functional_check": self.readiness.get("fixtures", []),
            "readiness_rule": self.readiness.get("rule", ""),
            "details": self.summary.lines,
            "methods": self.methods,
        }

    @property
    def downloads(self) -> list[str]:
        return [*ANALYSIS_TABLES, *DOMAIN_TABLES]

    def has(self, name: str) -> bool:
        return name in self.tables and not self.tables[name].empty

    def frame(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    def table(
        self,
        name: str,
        columns: list[str] | None = None,
        table_id: str = "",
        *,
        link: str = "",
        raw: str = "",
        filter_box: bool = False,
    ) -> TableView:
        """A table of the context by name. link: 'candidate' or 'framework', the side whose first raw result a
        number links to; raw: 'pair' or 'side', the launches listed in a last column."""
        src = self.sources
        links = {
            "candidate": lambda r: src.href(r["cell_id"], r["candidate"]),
            "framework": lambda r: src.href(r["cell_id"], r["framework"]),
        }
        raws = {
            "pair": lambda r: src.links(r["cell_id"], [r["candidate"], r["reference"]]),
            "side": lambda r: src.links(r["cell_id"], [r["framework"]]),
        }
        return table_view(
            self.frame(name), columns, table_id, link=links.get(link), raw=raws.get(raw), filter_box=filter_box
        )

    def environment_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"fact": k, "value": json.dumps(v) if isinstance(v, (dict, list)) else v}
                for k, v in self.environment.items()
            ]
        )

    def environment_table(self) -> TableView:
        return table_view(self.environment_frame(), table_id="t-env")


def _tables(analysis_dir: Path, selection: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Every table the analysis wrote that the report shows, and two selections of them: the best-available
    comparisons and the cells phase 1 skipped."""
    t = {n: read_csv(analysis_dir / f"{n}.csv") for n in [*ANALYSIS_TABLES, *DOMAIN_TABLES]}
    cmp = t["comparisons"]
    if not cmp.empty and "comparison_kind" in cmp:
        t["best_available"] = cmp[cmp["comparison_kind"] == "best_available"]
    t["skipped"] = pd.DataFrame([d for d in selection.get("decisions", []) if not d["selected"]])
    return t


def build_context(
    analysis_dir: Path,
    out_dir: Path,
    *,
    selection_path: Path,
    environment_path: Path | None,
    implementations_path: Path | None,
    raw_href: str = "../raw/",
    scaling_dir: Path | None = None,
) -> ReportContext:
    selection = _load_json(selection_path)
    environment = _load_json(environment_path)
    implementations = _load_json(implementations_path)
    analysis = _load_json(analysis_dir / "analysis.json")
    t = _tables(analysis_dir, selection)
    analysis["n_cmp"] = len(t["comparisons"])
    phases = sorted(t["summary"]["phase"].unique()) if not t["summary"].empty else []
    delta = float(analysis.get("settings", {}).get("delta", 0.05))
    src = Sources(t["launches"], raw_href)
    views = {d.section.id: d.view(t, src) for d in DOMAIN_SECTIONS if d.section is not None and d.view is not None}
    return ReportContext(
        run_id=selection.get("run_id", "") or analysis.get("run_id", ""),
        analysis=analysis,
        selection=selection,
        environment=environment.get("summary", environment),
        tables=t,
        sources=src,
        summary=executive_summary(t),
        methods=methods_lines(selection, environment, analysis, phases),
        phases=phases,
        delta=delta,
        figures=build_figures(t, delta, src),
        domain_views=views,
        scaling_study=scaling_study(scaling_dir, out_dir),
        build=_build_line(implementations),
    )


def _build_line(implementations: dict[str, Any]) -> str:
    version, commit = implementations.get("pairbench_version"), implementations.get("git_commit")
    return " ".join(x for x in (f"pairbench {version}" if version else "", f"at {commit[:10]}" if commit else "") if x)
