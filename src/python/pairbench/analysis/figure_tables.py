"""The rows behind three of the report's figures, computed here so that the report only draws them: the
Pareto front per task (time vs memory, quality kept), the profile radar per framework (speed, memory, quality
and stability scores) and the size and thread sweeps (series measured at three or more sizes or thread
counts)."""

from __future__ import annotations

import pandas as pd

from pairbench.analysis.rankings import pareto_front

PARETO_COLUMNS = ["task", "cell_id", "algorithm", "dataset", "label", "framework", "rel_time", "peak_rss_mb",
                  "quality_score", "front"]  # fmt: skip
RADAR_COLUMNS = ["framework", "speed", "memory", "quality", "stability"]
SWEEP_COLUMNS = ["axis", "series", "x", "algorithm", "framework", "phase", "median_s", "median_ci_low_s",
                 "median_ci_high_s"]  # fmt: skip


def pareto_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """Each profile row with whether it is on its task's front (lower time and memory, higher quality)."""
    if profiles.empty:
        return pd.DataFrame(columns=PARETO_COLUMNS)
    out = []
    for _, p in profiles.groupby("task", sort=True):
        p = p.assign(label=p["algorithm"] + " / " + p["dataset"])
        out.append(p.assign(front=pareto_front(p, ["rel_time", "peak_rss_mb"], ["quality_score"])))
    frame = pd.concat(out, ignore_index=True)
    return frame[[c for c in PARETO_COLUMNS if c in frame]]


def radar_table(rankings: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The overall ranking scope's scores per framework, and its stability: the share of its timing series
    not flagged unstable."""
    if rankings.empty:
        return pd.DataFrame(columns=RADAR_COLUMNS)
    overall = rankings[rankings["scope"] == rankings["scope"].iloc[-1]]
    stable = (1 - summary.groupby("framework")["unstable"].mean()).to_dict() if not summary.empty else {}
    return pd.DataFrame(
        [
            {
                "framework": r["framework"],
                "speed": r["speed_score"],
                "memory": r["memory_score"],
                "quality": r["quality_score"],
                "stability": stable.get(r["framework"]),
            }
            for _, r in overall.iterrows()
        ],
        columns=RADAR_COLUMNS,
    )


def sweep_table(summary: pd.DataFrame, launches: pd.DataFrame) -> pd.DataFrame:
    """Series that vary only in training-set size or threads: (algorithm, framework, phase) with >= 3
    distinct sizes (or thread counts) become a curve."""
    if summary.empty or launches.empty:
        return pd.DataFrame(columns=SWEEP_COLUMNS)
    size = launches.groupby(["cell_id", "framework"])[["n_train", "threads"]].median().reset_index()
    d = summary.merge(size, on=["cell_id", "framework"], how="left")
    d["series"] = d["algorithm"] + " · " + d["framework"] + " · " + d["phase"]
    out = []
    for axis in ("n_train", "threads"):
        counts = d.groupby("series")[axis].nunique()
        keep = counts[counts >= 3].index
        if len(keep):
            out.append(d[d["series"].isin(keep)].assign(axis=axis, x=lambda f, a=axis: f[a]))
    return pd.concat(out, ignore_index=True)[SWEEP_COLUMNS] if out else pd.DataFrame(columns=SWEEP_COLUMNS)
