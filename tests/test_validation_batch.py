"""Phase 3 validates a batch of cells with one worker process per Python side: same reports as one by
one, a cell that fails inside the batch is run again on its own without costing the others, and each
job of a batch gets the timeout of a run of its own."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from pairbench.experiment.validation import validate_cell, validate_cells
from pairbench.harness.launcher import run_watched

ALGORITHMS = ("linear", "ridge", "lasso")


def _argv(work: Path, cell: Path, side: str) -> list[str]:
    result = json.loads((work / f"{cell.stem}.{side}.validation.json").read_text(encoding="utf-8"))
    return result["metadata"]["argv"]  # type: ignore[no-any-return]


def test_a_batch_gives_the_reports_of_cells_validated_one_by_one(
    make_cell, data_dir: Path, tmp_path: Path, classical_binary: Path
) -> None:
    cells = [make_cell(algorithm) for algorithm in ALGORITHMS]
    batched = validate_cells(cells, data_dir, tmp_path / "batch", timeout_s=120)
    alone = [validate_cell(cell, data_dir, tmp_path / "alone", timeout_s=120) for cell in cells]
    assert batched == alone
    assert all(report["comparable"] for report in batched)
    # The scikit-learn side of every cell ran in the one batch worker; linfa (Rust) in a process per cell.
    assert all("--jobs" in _argv(tmp_path / "batch", cell, "scikit-learn") for cell in cells)
    assert not any("--jobs" in _argv(tmp_path / "alone", cell, "scikit-learn") for cell in cells)


def test_a_cell_that_fails_in_the_batch_is_run_alone_and_the_others_are_kept(
    make_cell, data_dir: Path, tmp_path: Path, classical_binary: Path
) -> None:
    good = [make_cell("linear"), make_cell("lasso")]
    bad = make_cell("ridge", alpha=-1.0)  # scikit-learn refuses a negative alpha when it fits
    work = tmp_path / "work"
    reports = {r["cell_id"]: r for r in validate_cells([good[0], bad, good[1]], data_dir, work, timeout_s=120)}
    failed = reports[bad.stem]["sides"]["scikit-learn"]
    assert not failed["ok"] and "alpha" in failed["error"]
    # The error comes from the cell's own run (`run_side`), not from the batch.
    assert "exit code" in failed["error"] and "batch" not in failed["error"]
    for cell in good:
        assert reports[cell.stem]["comparable"], reports[cell.stem]["reasons"]
        assert "--jobs" in _argv(work, cell, "scikit-learn")


def _jobs_script(progress: Path, seconds: list[float]) -> list[str]:
    """A stand-in batch worker: names each job in `progress`, as the worker does, then takes its seconds."""
    body = f"import pathlib, time\np = pathlib.Path({str(progress)!r})\n"
    body += "".join(f"p.write_text('{i}')\ntime.sleep({s})\n" for i, s in enumerate(seconds))
    return [sys.executable, "-c", body]


def test_each_job_of_a_batch_gets_the_timeout_of_a_run_of_its_own(tmp_path: Path) -> None:
    progress = tmp_path / "jobs.progress"
    # Three jobs of 1.5 s: 4.5 s in all, more than the 3 s timeout, but none of them over it.
    assert run_watched(_jobs_script(progress, [1.5, 1.5, 1.5]), None, dict(os.environ), progress, 3.0) is None
    # The second job hangs: the batch is killed 3 s into it, and that job is named.
    started = time.monotonic()
    assert run_watched(_jobs_script(progress, [0.1, 600, 0.1]), None, dict(os.environ), progress, 3.0) == 1
    assert time.monotonic() - started < 60
