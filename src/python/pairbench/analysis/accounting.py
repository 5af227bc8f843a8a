"""Every launch accounted for: what was expected, what arrived, and why anything did not.

A launch the pipeline expected but never received is as much a result as a failed one: the report must
not say "2 launches ok, 1 failed" when a third went missing. Four kinds of trouble are listed:
- `failed`: the launcher recorded the error (crash, timeout, bad output) on the last attempt;
- `lost`: the launcher itself was killed (kill -9, OOM) and the task script recorded its exit status;
- `missing`: no result file arrived at all (the task never finished); the Nextflow trace, when
  readable, gives its hash and exit status;
- `invalid`: a file arrived but is not a result (truncated, garbage, wrong schema version).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pandas as pd

COLUMNS = ["status", "cell_id", "framework", "language", "launch", "error", "task_hash", "exit_status", "source_file"]
_TAG = re.compile(r"\((?P<cell>\S+) (?P<side>\S+) #(?P<launch>\d+)\)$")
_CELL_TAG = re.compile(r"\((?P<cell>\S+)\)$")
# A cell's rounds are one task: its trace row stands for every launch of the cell.
ANY = ("", 0)


def expected_launches(validations: list[dict[str, Any]], launches: int) -> set[tuple[str, str, int]]:
    """(cell, side, launch) for every side that passed its gate, as phase 4 schedules them."""
    return {
        (v["cell_id"], side, n)
        for v in validations
        for side in v.get("comparable_sides", [])
        for n in range(1, (v.get("launches") or launches) + 1)
    }


def trace_records(trace_dir: Path | None) -> dict[tuple[str, str, int], dict[str, str]]:
    """The newest Nextflow trace's benchmark rows by (cell, side, launch): hash, exit and status; a
    cell's rounds task under (cell, *ANY)."""
    if trace_dir is None or not trace_dir.is_dir():
        return {}
    traces = sorted(trace_dir.glob("execution_trace_*.txt"))
    if not traces:
        return {}
    out: dict[tuple[str, str, int], dict[str, str]] = {}
    with traces[-1].open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            name = row.get("name", "")
            match = _TAG.search(name)
            if match and ("RUN_BENCHMARK" in name or "RUN_TRAINING" in name):
                out[(match["cell"], match["side"], int(match["launch"]))] = row  # later attempts win
            cell = _CELL_TAG.search(name)
            if cell and "RUN_ROUNDS" in name:
                out[(cell["cell"], *ANY)] = row
    return out


def failures_table(
    launches: pd.DataFrame,
    results_meta: dict[tuple[str, str, int], dict[str, Any]],
    expected: set[tuple[str, str, int]],
    invalid: list[tuple[str, str]],
    trace: dict[tuple[str, str, int], dict[str, str]],
) -> pd.DataFrame:
    """One row per launch that did not yield timings, and per file that is not a result."""
    rows: list[dict[str, Any]] = []
    if not launches.empty:
        for rec in launches[launches["status"] == "failed"].to_dict("records"):
            key = (rec["cell_id"], rec["framework"], int(rec["launch"]))
            lost = (results_meta.get(key) or {}).get("lost")
            rows.append(
                {
                    "status": "lost" if lost else "failed",
                    "cell_id": rec["cell_id"],
                    "framework": rec["framework"],
                    "language": rec["language"],
                    "launch": int(rec["launch"]),
                    "error": rec["error"],
                    "task_hash": (lost or {}).get("task_hash", ""),
                    "exit_status": (lost or {}).get("exit_status", ""),
                    "source_file": rec["source_file"],
                }
            )
    arrived = set(results_meta)
    for cell_id, side, launch in sorted(expected - arrived):
        t = trace.get((cell_id, side, launch)) or trace.get((cell_id, *ANY), {})
        where = (
            (f"Nextflow task {t.get('hash', '?')} ended {t.get('status', '?')} with exit status {t.get('exit', '?')}")
            if t
            else "no Nextflow trace row found for it"
        )
        rows.append(
            {
                "status": "missing",
                "cell_id": cell_id,
                "framework": side,
                "language": "",
                "launch": launch,
                "error": f"no result arrived for this launch; {where}",
                "task_hash": t.get("hash", ""),
                "exit_status": t.get("exit", ""),
                "source_file": "",
            }
        )
    for source, reason in invalid:
        rows.append(
            {
                "status": "invalid",
                "cell_id": "",
                "framework": "",
                "language": "",
                "launch": "",
                "error": reason,
                "task_hash": "",
                "exit_status": "",
                "source_file": source,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
