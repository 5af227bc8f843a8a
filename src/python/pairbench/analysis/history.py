"""History: every run appended to an embedded DuckDB store; a run compared with a baseline run by the
same four outcomes and margin as the framework comparisons (improved / regressed / unchanged /
inconclusive); step detection over the run history (asv-style), per timing series.

Two runs cannot be interleaved, so a run against a run is *unpaired*: each series' launch values
(one per launch, the median of its samples) in the two runs, the two-sample Hodges-Lehmann shift of
their logs with its exact Mann-Whitney interval (analysis/paired.py `shift_estimate`). The launch, not
the sample, is the unit: samples inside one launch would make a host swing between the runs look
significant.

A host swing between the runs still moves every series at once: two standard runs of one commit 88 min
apart on this project's 2-core VM differed by x1.07 (the median shift) over 215 series, 88% of them one way
(benchmarks/results/reproducibility.json). A per-series test cannot tell that from a change of code, so
the run-wide shift is estimated first, as the median of every common series' shift (median-of-ratios
normalisation, as DESeq2 sizes its libraries), with a distribution-free interval; each series is then
judged by its shift *relative* to the run-wide one, its interval widened by the run-wide one's. That
assumes most series did not change; a change that slows every series alike shows as the run-wide shift
(printed with its own outcome), not per series. `relative=False` (`pairbench compare --absolute`)
judges the raw ratios."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pairbench.analysis import paired, stats
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.tidy import CELL_KEYS

SERIES_KEYS = [*CELL_KEYS, "framework", "phase"]
STATUS = {"faster": "improved", "slower": "regressed", "equivalent": "unchanged", "inconclusive": "inconclusive"}
UNPAIRED = (
    "unpaired: two runs cannot be interleaved; launch values of each run, Hodges-Lehmann shift, Mann-Whitney interval"
)
# Fewer common series than this give no trustworthy run-wide shift: the series are judged as they are.
MIN_SERIES_FOR_RUN_SHIFT = 10

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, recorded_at TIMESTAMP, n_results INTEGER, n_failed INTEGER, host VARCHAR);
CREATE TABLE IF NOT EXISTS series (
    run_id VARCHAR, cell_id VARCHAR, domain VARCHAR, task VARCHAR, algorithm VARCHAR, dataset VARCHAR,
    framework VARCHAR, phase VARCHAR, language VARCHAR, n INTEGER, median_s DOUBLE,
    median_ci_low_s DOUBLE, median_ci_high_s DOUBLE, samples DOUBLE[]);
ALTER TABLE series ADD COLUMN IF NOT EXISTS launch_values DOUBLE[];
"""
SERIES_COLUMNS = [
    "run_id", *SERIES_KEYS, "language", "n", "median_s", "median_ci_low_s", "median_ci_high_s", "samples",
    "launch_values",
]  # fmt: skip


def connect(db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=read_only)
    if not read_only:
        con.execute(DDL)
    return con


def append_run(
    db: Path,
    run_id: str,
    samples: pd.DataFrame,
    summary: pd.DataFrame,
    launches: pd.DataFrame,
    recorded_at: dt.datetime | None = None,
    values: pd.DataFrame | None = None,
) -> int:
    """Store (or replace) one run's timing series with their raw samples and launch values (in launch
    order); returns the series count."""
    if summary.empty:
        return 0
    raw = samples.groupby(SERIES_KEYS, sort=True)["seconds"].agg(list).rename("samples").reset_index()
    rows = summary[[*SERIES_KEYS, "language", "n_samples", "median_s", "median_ci_low_s", "median_ci_high_s"]]
    rows = rows.rename(columns={"n_samples": "n"}).merge(raw, on=SERIES_KEYS, how="left")
    if values is not None and not values.empty:
        per_launch = (
            values.sort_values("launch").groupby(SERIES_KEYS, sort=True)["seconds"].agg(list).rename("launch_values")
        )
        rows = rows.merge(per_launch.reset_index(), on=SERIES_KEYS, how="left")
    else:
        rows["launch_values"] = None
    rows.insert(0, "run_id", run_id)
    rows = rows[SERIES_COLUMNS]
    when = recorded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    host = str(launches["host"].iloc[0]) if "host" in launches and not launches.empty else ""
    n_failed = int((launches["status"] == "failed").sum()) if not launches.empty else 0
    with connect(db) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM series WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?)", [run_id, when, len(launches), n_failed, host])
        con.register("new_series", rows)
        con.execute(f"INSERT INTO series ({', '.join(SERIES_COLUMNS)}) SELECT * FROM new_series")
        con.execute("COMMIT")
    return len(rows)


def runs(db: Path) -> pd.DataFrame:
    with connect(db, read_only=True) as con:
        return con.execute("SELECT * FROM runs ORDER BY recorded_at, run_id").df()


def load_series(db: Path, run_ids: Sequence[str] | None = None) -> pd.DataFrame:
    with connect(db, read_only=True) as con:
        if run_ids is None:
            return con.execute("SELECT s.*, r.recorded_at FROM series s JOIN runs r USING (run_id)").df()
        marks = ", ".join("?" for _ in run_ids)
        return con.execute(
            f"SELECT s.*, r.recorded_at FROM series s JOIN runs r USING (run_id) WHERE run_id IN ({marks})",
            list(run_ids),
        ).df()


def _launch_values(row: pd.Series) -> tuple[np.ndarray, str]:
    """A stored series' launch values, or (runs stored before launch values were) its samples, named."""
    values = row.get("launch_values")
    if values is not None and not (isinstance(values, float) and np.isnan(values)) and len(values):
        return np.asarray(values, dtype=float), "launches"
    return np.asarray(row["samples"], dtype=float), "samples (an older run: no launch values stored)"


@dataclass(frozen=True)
class RunShift:
    """How far every series moved together between two runs (log scale), with its interval."""

    n_series: int
    log_estimate: float
    log_low: float
    log_high: float
    applied: bool  # whether the series were judged relative to it

    @property
    def ratio(self) -> float:
        return math.exp(self.log_estimate) if not math.isnan(self.log_estimate) else math.nan

    def outcome(self, delta: float) -> str:
        if math.isnan(self.log_low):
            return "inconclusive"
        return paired.outcome(math.exp(self.log_low), math.exp(self.log_high), delta)


def median_interval(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """The median of `x` with its distribution-free interval: two order statistics chosen from the
    Binomial(n, 1/2) distribution of the count below the true median. NaN bounds below 6 values."""
    v = np.sort(x[np.isfinite(x)])
    n = v.size
    if n == 0:
        return math.nan, math.nan, math.nan
    from scipy.stats import binom

    j = int(binom.ppf((1.0 - confidence) / 2.0, n, 0.5))  # P(count <= j - 1) <= tail
    if j < 1:
        return float(np.median(v)), math.nan, math.nan
    return float(np.median(v)), float(v[j - 1]), float(v[n - j])


def run_shift(shifts: np.ndarray, confidence: float, relative: bool) -> RunShift:
    """The run-wide shift: the median of the series' log shifts, applied when there are enough series."""
    centre, low, high = median_interval(shifts, confidence)
    n = int(np.isfinite(shifts).sum())
    applied = relative and n >= MIN_SERIES_FOR_RUN_SHIFT and not math.isnan(low)
    return RunShift(n, centre, low, high, applied)


def compare_runs(
    db: Path, baseline: str, current: str, settings: StatisticsSettings, relative: bool = True
) -> pd.DataFrame:
    """Each series of `current` against the same series of `baseline` (unpaired, see the module
    docstring): the shift of their launch values with its exact interval, relative to the run-wide
    shift when `relative` (and there are enough series for one), the four outcomes at the run's margin,
    and status improved / regressed / unchanged / inconclusive, or new / missing when a series is only
    in one run. `table.attrs["run_shift"]` holds the RunShift. Holm over the Mann-Whitney p of the
    launch values is a column; it decides nothing."""
    known = set(runs(db)["run_id"])
    for rid in (baseline, current):
        if rid not in known:
            raise KeyError(f"run {rid!r} is not in {db}; known runs: {', '.join(sorted(known)) or 'none'}")
    data = load_series(db, [baseline, current])
    base = data[data["run_id"] == baseline].set_index(SERIES_KEYS)
    cur = data[data["run_id"] == current].set_index(SERIES_KEYS)
    rows = []
    for key in sorted(set(base.index) | set(cur.index)):
        info = dict(zip(SERIES_KEYS, key, strict=True))
        if key not in base.index or key not in cur.index:
            rows.append({**info, "status": "new" if key not in base.index else "missing"})
            continue
        (vb, unit_b), (vc, unit_c) = _launch_values(base.loc[key]), _launch_values(cur.loc[key])
        centre, low, high = paired.shift_estimate(vc, vb, settings.confidence)
        rows.append(
            {
                **info,
                "candidate": current,
                "reference": baseline,
                "n_reference": int(vb.size),
                "n_candidate": int(vc.size),
                "unit": unit_b if unit_b == unit_c else f"{unit_b} / {unit_c}",
                "reference_median_s": float(np.median(vb)),
                "candidate_median_s": float(np.median(vc)),
                "log_shift": centre,
                "log_low": low,
                "log_high": high,
                "p_mannwhitney": stats.mann_whitney_p(vc, vb) if min(vb.size, vc.size) > 1 else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty or "log_shift" not in table:
        table.attrs["run_shift"] = RunShift(0, math.nan, math.nan, math.nan, False)
        return table
    shift = run_shift(table["log_shift"].to_numpy(dtype=float), settings.confidence, relative)
    table.attrs["run_shift"] = shift
    compared = table["log_shift"].notna()
    s, s_low, s_high = (shift.log_estimate, shift.log_low, shift.log_high) if shift.applied else (0.0, 0.0, 0.0)
    table["ratio"] = np.exp(table["log_shift"])
    table["ratio_ci_low"] = np.exp(table["log_low"])
    table["ratio_ci_high"] = np.exp(table["log_high"])
    table["run_shift"] = math.exp(s)
    # judged relative to the run-wide shift; the interval widened by the run-wide shift's own
    table["relative_ratio"] = np.exp(table["log_shift"] - s)
    table["relative_ci_low"] = np.exp(table["log_low"] - s_high)
    table["relative_ci_high"] = np.exp(table["log_high"] - s_low)
    table["delta"] = settings.delta
    table.loc[compared, "outcome"] = [
        paired.outcome(lo, hi, settings.delta)
        for lo, hi in zip(table.loc[compared, "relative_ci_low"], table.loc[compared, "relative_ci_high"], strict=True)
    ]
    table.loc[compared, "status"] = table.loc[compared, "outcome"].map(STATUS)
    table.loc[compared, "method"] = UNPAIRED + ("; relative to the run-wide shift" if shift.applied else "")
    table["p_holm"] = stats.holm(table["p_mannwhitney"].to_numpy(dtype=float))
    return table.drop(columns=["log_shift", "log_low", "log_high"])


def detect_steps(values: Sequence[float], threshold: float = 0.02) -> list[int]:
    """Indices where the level of a series changes (asv-style): the optimal piecewise-constant fit
    under an L1 cost (robust to single outliers), with a penalty per change point of
    level x max(threshold, 3 x noise x log n) (BIC-like), the noise estimated from successive differences so that a
    steady but jittery series is not split. Adjacent segments whose medians differ by no more than
    `threshold` (relative) are not reported as steps."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if n < 2:
        return []
    level = float(np.median(np.abs(x))) or 1.0
    noise = 1.4826 * float(np.median(np.abs(np.diff(x)))) / np.sqrt(2) / level
    penalty = level * max(threshold, 3 * noise * np.log(n))
    cost = np.zeros((n + 1, n + 1))
    for i in range(n):
        for j in range(i + 1, n + 1):
            seg = x[i:j]
            cost[i, j] = float(np.abs(seg - np.median(seg)).sum())
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(n + 1, dtype=int)
    for j in range(1, n + 1):
        totals = best[:j] + cost[:j, j] + penalty
        last[j] = int(np.argmin(totals))
        best[j] = totals[last[j]]
    cuts, j = [], n
    while j > 0:
        cuts.append(last[j])
        j = last[j]
    bounds = [*sorted(cuts)[1:], n]
    starts = [0, *bounds[:-1]]
    medians = [float(np.median(x[a:b])) for a, b in zip(starts, bounds, strict=True)]
    return [
        int(starts[k])
        for k in range(1, len(starts))
        if medians[k - 1] != 0 and abs(medians[k] / medians[k - 1] - 1) > threshold
    ]


def step_report(db: Path, threshold: float = 0.02) -> pd.DataFrame:
    """Every detected step in every series' history of medians: where, from which run, how much."""
    data = load_series(db)
    if data.empty:
        return pd.DataFrame()
    rows = []
    for key, group in data.sort_values(["recorded_at", "run_id"]).groupby(SERIES_KEYS, sort=True):
        medians = group["median_s"].to_numpy()
        run_ids = group["run_id"].tolist()
        for k in detect_steps(medians, threshold):
            before, after = float(np.median(medians[:k])), float(np.median(medians[k:]))
            rows.append(
                {
                    **dict(zip(SERIES_KEYS, key, strict=True)),
                    "step_run_id": run_ids[k],
                    "previous_run_id": run_ids[k - 1],
                    "median_before_s": before,
                    "median_after_s": after,
                    "ratio": after / before,
                    "direction": "regressed" if after > before else "improved",
                    "runs_in_history": len(run_ids),
                }
            )
    return pd.DataFrame(rows)
