"""Phase 3 validates a batch of cells with one worker process per Python side: same reports as one by
one, and a cell that fails inside the batch is run again on its own, without costing the others."""

from __future__ import annotations

import json
from pathlib import Path

from pairbench.experiment.validation import validate_cell, validate_cells

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
