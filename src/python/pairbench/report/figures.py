"""The report's figures, drawn from the analysis' tables as inline SVG: the first screen's overview and the
speed forest plot by analysis/overview.py and analysis/forest.py (the same figures as analysis/overview.svg and
analysis/speed_ratio.svg), the others by report/charts.py. The domains draw their own (report/domains/)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pairbench.analysis.forest import forest_svg, speed_forest
from pairbench.analysis.overview import overview_figure_svg
from pairbench.report import charts
from pairbench.report.tables import Sources


@dataclass
class Figures:
    overview: str = ""  # the first screen: every comparison's speed ratio and memory ratio
    forest: str = ""
    forest_note: str = ""  # why the plot shows fewer rows than the table, when it does
    memory: str = ""
    pareto: list[tuple[str, str]] = field(default_factory=list)  # (task, svg)
    radar: str = ""
    scaling: list[tuple[str, str]] = field(default_factory=list)  # (axis, svg)
    build: str = ""
    decomposition: str = ""


def _forest(t: dict[str, pd.DataFrame], delta: float, src: Sources) -> tuple[str, str]:
    cmp = t["comparisons"]
    svg, shrunk = speed_forest(cmp, t["geomean_speedups"], delta, t["launches"], src.raw_href)
    note = (
        f"{len(cmp)} comparisons: the plot shows each domain's geometric mean; every comparison is in the table below."
        if shrunk
        else ""
    )
    return svg, note


def _radar(radar: pd.DataFrame) -> str:
    if radar.empty:
        return ""
    axes = ["speed", "memory", "quality", "stability"]
    return charts.radar({str(r["framework"]): {a: r[a] for a in axes} for _, r in radar.iterrows()}, axes)


def _pareto(points: pd.DataFrame) -> list[tuple[str, str]]:
    if points.empty:
        return []
    return [
        (
            str(task),
            charts.scatter(
                p,
                "rel_time",
                "peak_rss_mb",
                "framework",
                "front",
                "time relative to the fastest framework of the cell (log)",
                "peak RSS (MB)",
            ),
        )
        for task, p in points.groupby("task", sort=True)
    ]


def _build(facts: pd.DataFrame) -> str:
    if facts.empty:
        return charts.bar_chart(facts, "framework", "seconds", "build", "s")
    build = facts.melt(
        id_vars=["framework"],
        value_vars=["build_s_phase2", "cold_build_s", "incremental_build_s"],
        var_name="build",
        value_name="seconds",
    ).dropna(subset=["seconds"])
    return charts.bar_chart(build, "framework", "seconds", "build", "s")


def build_figures(t: dict[str, pd.DataFrame], delta: float, src: Sources) -> Figures:
    fig = Figures()
    fig.overview = overview_figure_svg(t["overview"], delta, t["launches"], src.raw_href)
    fig.forest, fig.forest_note = _forest(t, delta, src)
    res = t["resources"]
    fig.memory = charts.bar_chart(
        res.assign(label=res["algorithm"] + " / " + res["dataset"]) if not res.empty else res,
        "label",
        "peak_rss_mb_median",
        "framework",
        "MB",
    )
    fig.pareto = _pareto(t["pareto_points"])
    fig.radar = _radar(t["profile_radar"])
    sweep = t["scaling_sweep"]
    fig.scaling = [
        (str(axis), charts.line_chart(g, "x", "median_s", "series", str(axis), "median time (s)"))
        for axis, g in (sweep.groupby("axis") if not sweep.empty else [])
    ]
    fig.build = _build(t["facts"])
    if not t["decomposition"].empty:
        fig.decomposition = forest_svg(t["decomposition"].reset_index(drop=True), delta)
    return fig
