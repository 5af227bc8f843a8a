"""History: every run appended to an embedded DuckDB store; a run compared with a baseline run by
the same rule as the framework comparisons (improved / regressed / unchanged); step detection over
the run history (asv-style), per timing series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pairbench.analysis.pairs import apply_corrections, pair_statistics
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.summaries import series_from_samples
from pairbench.analysis.tidy import CELL_KEYS

SERIES_KEYS = [*CELL_KEYS, "framework", "phase"]
OUTCOME = {"faster": "improved", "slower": "regressed", "no meaningful difference": "unchanged"}

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, recorded_at TIMESTAMP, n_results INTEGER, n_failed INTEGER, host VARCHAR);
CREATE TABLE IF NOT EXISTS series (
    run_id VARCHAR, cell_id VARCHAR, domain VARCHAR, task VARCHAR, algorithm VARCHAR, dataset VARCHAR,
    framework VARCHAR, phase VARCHAR, language VARCHAR, n INTEGER, median_s DOUBLE,
    median_ci_low_s DOUBLE, median_ci_high_s DOUBLE, samples DOUBLE[]);
"""


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
) -> int:
    """Store (or replace) one run's timing series with their raw samples; returns the series count."""
    if summary.empty:
        return 0
    raw = samples.groupby(SERIES_KEYS, sort=True)["seconds"].agg(list).rename("samples").reset_index()
    rows = summary[[*SERIES_KEYS, "language", "n_samples", "median_s", "median_ci_low_s", "median_ci_high_s"]]
    rows = rows.rename(columns={"n_samples": "n"}).merge(raw, on=SERIES_KEYS, how="left")
    rows.insert(0, "run_id", run_id)
    when = recorded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    host = str(launches["host"].iloc[0]) if "host" in launches and not launches.empty else ""
    n_failed = int((launches["status"] == "failed").sum()) if not launches.empty else 0
    with connect(db) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM series WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?)", [run_id, when, len(launches), n_failed, host])
        con.register("new_series", rows)
        con.execute("INSERT INTO series SELECT * FROM new_series")
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


def compare_runs(db: Path, baseline: str, current: str, settings: StatisticsSettings) -> pd.DataFrame:
    """Each series of `current` against the same series of `baseline`: ratio of medians with CI,
    the same tests and Holm correction as the framework comparisons; status improved / regressed /
    unchanged, or new / missing when a series is only in one run."""
    known = set(runs(db)["run_id"])
    for rid in (baseline, current):
        if rid not in known:
            raise KeyError(f"run {rid!r} is not in {db}; known runs: {', '.join(sorted(known)) or 'none'}")
    data = load_series(db, [baseline, current])
    base = data[data["run_id"] == baseline].set_index(SERIES_KEYS)
    cur = data[data["run_id"] == current].set_index(SERIES_KEYS)
    rows = []
    for i, key in enumerate(sorted(set(base.index) | set(cur.index))):
        info = dict(zip(SERIES_KEYS, key, strict=True))
        if key not in base.index or key not in cur.index:
            rows.append({**info, "status": "new" if key not in base.index else "missing"})
            continue
        b, c = base.loc[key], cur.loc[key]
        sb = series_from_samples(np.asarray(b["samples"], dtype=float), str(b["language"]), settings, 2 * i)
        sc = series_from_samples(np.asarray(c["samples"], dtype=float), str(c["language"]), settings, 2 * i + 1)
        rows.append({**info, "candidate": current, "reference": baseline, **pair_statistics(sc, sb, settings)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    compared = table[table["status"].isna()] if "status" in table else table
    other = table[table["status"].notna()] if "status" in table else table.iloc[0:0]
    compared = apply_corrections(compared.drop(columns=["status"], errors="ignore"), settings)
    if not compared.empty:
        compared["status"] = compared["outcome"].map(OUTCOME)
    return pd.concat([compared, other], ignore_index=True)


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
