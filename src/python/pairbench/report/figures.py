"""The report's figures, drawn once from the context's tables as inline SVG: the speed forest plot by
analysis/forest.py (the same figure as analysis/speed_ratio.svg), the others by report/charts.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from pairbench.analysis.forest import forest_svg, speed_forest
from pairbench.report import charts, rl_charts
from pairbench.report.ecosystem import MATURITY_AXES
from pairbench.report.tables import Sources


@dataclass
class Figures:
    forest: str = ""
    forest_note: str = ""  # why the plot shows fewer rows than the table, when it does
    memory: str = ""
    pareto: list[tuple[str, str]] = field(default_factory=list)  # (task, svg)
    radar: str = ""
    scaling: list[tuple[str, str]] = field(default_factory=list)  # (axis, svg)
    build: str = ""
    maturity: str = ""
    decomposition: str = ""
    rl_curves: str = ""  # rl `solve`: learning curves over seeds
    rl_lockstep: str = ""  # rl `policy`: per-step loss deviation from SB3's


def scaling_table(summary: pd.DataFrame, launches: pd.DataFrame) -> pd.DataFrame:
    """Series that vary only in training-set size or threads: (algorithm, framework, phase) with >= 3
    distinct sizes become a scaling curve."""
    if summary.empty or launches.empty:
        return pd.DataFrame()
    size = launches.groupby(["cell_id", "framework"])[["n_train", "threads"]].median().reset_index()
    d = summary.merge(size, on=["cell_id", "framework"], how="left")
    d["series"] = d["algorithm"] + " · " + d["framework"] + " · " + d["phase"]
    out = []
    for axis in ("n_train", "threads"):
        counts = d.groupby("series")[axis].nunique()
        keep = counts[counts >= 3].index
        if len(keep):
            out.append(d[d["series"].isin(keep)].assign(axis=axis, x=lambda f, a=axis: f[a]))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _forest(t: dict[str, pd.DataFrame], delta: float, src: Sources) -> tuple[str, str]:
    cmp = t["comparisons"]
    svg, shrunk = speed_forest(cmp, t["geomean_speedups"], delta, t["launches"], src.raw_href)
    note = (
        f"{len(cmp)} comparisons: the plot shows each domain's geometric mean; every comparison is in the table below."
        if shrunk
        else ""
    )
    return svg, note


def _radar(t: dict[str, pd.DataFrame]) -> str:
    ranks = t["rankings"]
    if ranks.empty:
        return ""
    overall = ranks[ranks["scope"] == ranks["scope"].iloc[-1]]
    axes = ["speed_score", "memory_score", "quality_score"]
    stab = {}
    if not t["summary"].empty:
        stab = (1 - t["summary"].groupby("framework")["unstable"].mean()).to_dict()
    scores = {
        str(r["framework"]): {
            **{a.removesuffix("_score"): r[a] for a in axes},
            "stability": stab.get(r["framework"], math.nan),
        }
        for _, r in overall.iterrows()
    }
    return charts.radar(scores, ["speed", "memory", "quality", "stability"])


def _pareto(prof: pd.DataFrame) -> list[tuple[str, str]]:
    if prof.empty:
        return []
    from pairbench.analysis.rankings import pareto_front

    out = []
    for task, p in prof.groupby("task"):
        p = p.assign(label=p["algorithm"] + " / " + p["dataset"])
        p["front"] = pareto_front(p, ["rel_time", "peak_rss_mb"], ["quality_score"])
        out.append(
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
        )
    return out


def _ecosystem(t: dict[str, pd.DataFrame], fig: Figures) -> None:
    facts, maturity, decomp = t["facts"], t["maturity"], t["decomposition"]
    build = pd.DataFrame()
    if not facts.empty:
        build = facts.melt(
            id_vars=["framework"],
            value_vars=["cold_build_s", "incremental_build_s", "build_s_phase2"],
            var_name="build",
            value_name="seconds",
        ).dropna(subset=["seconds"])
    fig.build = charts.bar_chart(build, "framework", "seconds", "build", "s")
    scores = (
        {f"{r['framework']} ({r['domain']})": {a: r[a] for a in MATURITY_AXES} for _, r in maturity.iterrows()}
        if not maturity.empty
        else {}
    )
    fig.maturity = charts.radar(scores, MATURITY_AXES)
    if not decomp.empty:
        fig.decomposition = forest_svg(decomp.reset_index(drop=True), 0.02)


def build_figures(t: dict[str, pd.DataFrame], delta: float, src: Sources, scaling: pd.DataFrame) -> Figures:
    fig = Figures()
    fig.forest, fig.forest_note = _forest(t, delta, src)
    res = t["resources"]
    fig.memory = charts.bar_chart(
        res.assign(label=res["algorithm"] + " / " + res["dataset"]) if not res.empty else res,
        "label",
        "peak_rss_mb_median",
        "framework",
        "MB",
    )
    fig.pareto = _pareto(t["profiles"])
    fig.radar = _radar(t)
    if not scaling.empty:
        fig.scaling = [
            (str(axis), charts.line_chart(g, "x", "median_s", "series", str(axis), "median time (s)"))
            for axis, g in scaling.groupby("axis")
        ]
    _ecosystem(t, fig)
    if "rl_curves" in t:
        fig.rl_curves = rl_charts.learning_curves(t["rl_curves"])
    if "rl_lockstep" in t:
        fig.rl_lockstep = rl_charts.lockstep_deviation(t["rl_lockstep"])
    return fig
