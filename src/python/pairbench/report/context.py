"""The report's one context: every table, line and figure that index.html, report.md, report.json and
the other exports show, built once from the analysis outputs. The views only lay it out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.report.classical import ScalingStudy, scaling_study
from pairbench.report.ecosystem import (
    MATURITY_FORMULA,
    decomposition_table,
    ecosystem_table,
    effort_table,
    facts_table,
    findings_table,
    maturity_table,
    readiness_lines,
)
from pairbench.report.figures import Figures, build_figures, scaling_table
from pairbench.report.llm import LlmView, llm_scaling, llm_slopes, llm_table, llm_view
from pairbench.report.llm_advice import llm_advice
from pairbench.report.methods import methods_lines
from pairbench.report.rl import rl_advice, rl_table, speed_split, training_table
from pairbench.report.summary import ExecutiveSummary, executive_summary
from pairbench.report.tables import Sources, TableView, read_csv, table_view

# The analysis tables the report reads, in the order they are exported (report.json, data/, report.xlsx).
ANALYSIS_TABLES = [
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
]


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
    readiness: list[str]
    methods: list[str]
    phases: list[str]
    delta: float
    figures: Figures
    llm: LlmView
    scaling_study: ScalingStudy | None
    scaling_sweep: pd.DataFrame

    @property
    def headline(self) -> list[str]:
        return [*self.readiness, *self.summary.lines]

    @property
    def cpu(self) -> str:
        return str(self.environment.get("cpu_model", self.environment.get("cpu", "")))

    @property
    def doc(self) -> dict[str, Any]:
        """The head of report.json."""
        return {
            "run_id": self.run_id,
            "headline": self.headline,
            "methods": self.methods,
            "readiness": self.readiness,
            "maturity_formula": MATURITY_FORMULA,
        }

    @property
    def downloads(self) -> list[str]:
        return ANALYSIS_TABLES

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


def _tables(analysis_dir: Path, selection: dict[str, Any], implementations: dict[str, Any]) -> dict[str, pd.DataFrame]:
    t = {n: read_csv(analysis_dir / f"{n}.csv") for n in ANALYSIS_TABLES}
    t["ecosystem"] = ecosystem_table(selection, implementations)
    rl = rl_table(t["summary"], t["quality_parity"])
    if not rl.empty:
        t["rl"] = rl
    for name in ("rl_training", "rl_curves", "rl_lockstep"):
        if not (frame := read_csv(analysis_dir / f"{name}.csv")).empty:
            t[name] = frame
    if "rl_training" in t:
        t["rl_training_view"] = training_table(t["rl_training"])
    if "rl" in t or "rl_training" in t:
        t["rl_speed_split"] = speed_split(t.get("rl", pd.DataFrame()), t.get("rl_training", pd.DataFrame()))
        t["rl_advice"] = rl_advice(
            t.get("rl", pd.DataFrame()), t.get("rl_training_view", pd.DataFrame()), t["rl_speed_split"]
        )
    t["llm"] = llm_table(t["summary"], t["launches"], selection)
    if not t["llm"].empty:
        t["llm_scaling"] = llm_scaling(t["summary"], selection)
        t["llm_slopes"] = llm_slopes(t["llm_scaling"])
        t["llm_advice"] = llm_advice(t["comparisons"], selection)
    t["facts"] = facts_table(implementations)
    t["effort"] = effort_table(implementations)
    t["findings"] = findings_table(implementations, selection)
    t["maturity"] = maturity_table(selection, implementations, t["ecosystem"], t["comparisons"], t["quality_parity"])
    t["decomposition"] = decomposition_table(t["comparisons"])
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
    t = _tables(analysis_dir, selection, implementations)
    analysis["n_cmp"] = len(t["comparisons"])
    phases = sorted(t["summary"]["phase"].unique()) if not t["summary"].empty else []
    delta = float(analysis.get("settings", {}).get("delta", 0.05))
    src = Sources(t["launches"], raw_href)
    sweep = scaling_table(t["summary"], t["launches"])
    return ReportContext(
        run_id=selection.get("run_id", "") or analysis.get("run_id", ""),
        analysis=analysis,
        selection=selection,
        environment=environment.get("summary", environment),
        tables=t,
        sources=src,
        summary=executive_summary(analysis, t),
        readiness=readiness_lines(t["maturity"]),
        methods=methods_lines(selection, environment, analysis, phases),
        phases=phases,
        delta=delta,
        figures=build_figures(t, delta, src, sweep),
        llm=llm_view(t["llm"], t.get("llm_scaling"), t.get("llm_slopes")),
        scaling_study=scaling_study(scaling_dir, out_dir),
        scaling_sweep=sweep,
    )
