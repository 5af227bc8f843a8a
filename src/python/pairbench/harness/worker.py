"""The Python side's measured process: one launch of one cell, in a fresh interpreter.

Run as `python -m pairbench.harness.worker --cell C --data-dir D --launch N --out R`. The cell's thread
count is exported once, before numpy is imported (BLAS, OpenMP and torch read it once, at load time); data
loading, checksum verification and warm-up happen outside the timed region.

`--jobs J` runs several cells of one framework in this one interpreter instead (phase 3's validation
batches: untimed quality runs, where a fresh interpreter per cell would mostly re-import scikit-learn).
J is a JSON list of objects with the per-launch options (`cell`, `out`, and optionally `launch`,
`predictions_out`, `samples`, `warmup`, `cv_predictions_dir`); every cell must ask for the same threads.
A job that fails is reported on stderr and the others go on: its launcher runs it again on its own.
Before each job the worker writes its index to `<jobs>.progress`, so that the launcher can time each job.
Timed launches never use this mode.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path
from typing import Any

# Neither imports a numerical library: the threads are pinned before one loads.
from pairbench.core.cells import Cell
from pairbench.harness.threads import pin_threads


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pairbench-worker", description=__doc__)
    parser.add_argument("--framework", required=True, help="which of the cell's sides this process is")
    parser.add_argument("--cell", type=Path, help="cell spec JSON written by phase 1")
    parser.add_argument("--data-dir", type=Path, required=True, help="directory holding <dataset>/manifest.json")
    parser.add_argument("--launch", type=int, default=1, help="launch index (1-based), recorded in the result")
    parser.add_argument("--out", type=Path, help="result JSON to write")
    parser.add_argument("--predictions-out", type=Path, help="also save the last test predictions (.npy)")
    parser.add_argument("--samples", type=int, help="override the cell's timed repetitions")
    parser.add_argument("--warmup", type=int, help="override the cell's warm-up repetitions")
    parser.add_argument(
        "--cv-predictions-dir",
        type=Path,
        help="also fit once per cross-validation fold, saving fold predictions here (foldK.npy)",
    )
    parser.add_argument("--jobs", type=Path, help="JSON list of untimed jobs of this framework (see above)")
    args = parser.parse_args(argv)
    if (args.jobs is None) == (args.cell is None or args.out is None):
        parser.error("give either --cell and --out (one launch) or --jobs (a validation batch)")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run one launch; refused input (bad cell spec, tampered or missing data) is one line, exit 2."""
    from pairbench.datasets.errors import ChecksumError

    try:
        args = _parse(argv)
        return _run_jobs(args) if args.jobs is not None else _launch(args)
    except (ChecksumError, FileNotFoundError, ValueError) as exc:
        if not _is_refusal(exc):
            raise
        print(f"pairbench-worker: refused: {exc}", file=sys.stderr)
        return 2


def _is_refusal(exc: BaseException) -> bool:
    """Input problems the worker names in one line; anything else keeps its traceback for debugging."""
    from pairbench.datasets.errors import ChecksumError

    return isinstance(exc, (ChecksumError, FileNotFoundError)) or getattr(exc, "refusal", False)


def progress_path(jobs: Path) -> Path:
    """Where a batch worker names the job it is on (its index in the jobs file)."""
    return jobs.with_suffix(".progress")


def _run_jobs(args: argparse.Namespace) -> int:
    """Every job of `--jobs` in turn; exit 1 when any failed (their launcher reruns those one by one)."""
    import json
    import traceback

    jobs = json.loads(args.jobs.read_text(encoding="utf-8"))
    cells = [_read_cell(Path(job["cell"])) for job in jobs]
    threads = {cell.threads for cell in cells}
    if len(threads) > 1:
        raise ValueError(f"{args.jobs}: jobs ask for different thread counts {sorted(threads)}; allowed: one")
    if threads:
        pin_threads(threads.pop())  # once, for every job: they share this interpreter
    # The launcher times each job from the moment this file names it (a per-job timeout, not per batch).
    progress = progress_path(args.jobs)
    failed = 0
    for index, (job, cell) in enumerate(zip(jobs, cells, strict=True)):
        progress.write_text(str(index), encoding="utf-8")
        one = argparse.Namespace(
            framework=args.framework,
            data_dir=args.data_dir,
            cell=Path(job["cell"]),
            out=Path(job["out"]),
            launch=int(job.get("launch", 1)),
            predictions_out=Path(job["predictions_out"]) if job.get("predictions_out") else None,
            samples=job.get("samples"),
            warmup=job.get("warmup"),
            cv_predictions_dir=Path(job["cv_predictions_dir"]) if job.get("cv_predictions_dir") else None,
        )
        try:
            _measure(one, cell)
        except Exception:  # one cell's failure must not cost the batch's others
            failed += 1
            print(f"pairbench-worker: job {job['cell']}: failed:\n{traceback.format_exc()}", file=sys.stderr)
    return 1 if failed else 0


def _read_cell(path: Path) -> Cell:
    """The cell spec; a malformed one is a refusal (one line, exit 2)."""
    try:
        return Cell.read(path)
    except ValueError as exc:
        exc.refusal = True  # type: ignore[attr-defined]
        raise


def _launch(args: argparse.Namespace) -> int:
    """One launch: the cell's threads pinned before anything numerical loads, then the measurement."""
    cell = _read_cell(args.cell)
    pin_threads(cell.threads)
    return _measure(args, cell)


def _measure(args: argparse.Namespace, cell: Cell) -> int:
    """Run the protocol on the cell's runner and write the result; the threads are already pinned."""
    from pairbench.core.benchmark import Benchmark, RunContext
    from pairbench.core.frameworks import python_framework_info
    from pairbench.core.registry import get_task_runner
    from pairbench.core.schema import (
        DatasetInfo,
        Framework,
        Launch,
        PhaseTiming,
        Resources,
        cpu_model,
        hostname,
        utc_now,
    )
    from pairbench.datasets.materialise import load_verified
    from pairbench.harness.protocol import run_protocol
    from pairbench.harness.resources import CpuMeter, peak_rss_mb

    started = utc_now()
    split = load_verified(args.data_dir / cell.dataset)
    runner = get_task_runner(cell.domain, cell.task, args.framework)
    context = RunContext(cell_id=cell.cell_id, data_dir=args.data_dir, seed=cell.seed, launch=args.launch)
    bench: Benchmark = runner(cell.algorithm, cell.params, split, context)
    warmup = cell.warmup if args.warmup is None else args.warmup
    samples = cell.samples if args.samples is None else args.samples

    meter = CpuMeter()
    meter.start()
    protocol = cell.protocol_settings
    order, measured = run_protocol(bench, warmup=warmup, samples=samples, protocol=protocol)
    cpu_percent = meter.percent()

    quality = bench.quality()
    if args.predictions_out is not None:
        bench.write_predictions(args.predictions_out)
    if args.cv_predictions_dir is not None and split.folds is not None and cell.task != "clustering":
        _fold_predictions(args.cv_predictions_dir, runner, cell, split, context)

    run_facts = {
        "order": order,
        "warmup_min": warmup,
        "samples_requested": samples,
        **protocol.to_json(),
        "cpu_percent_covers": "warm-up and timed calls",
    }
    Launch(
        run_id=cell.run_id,
        cell_id=cell.cell_id,
        launch=args.launch,
        language="python",
        framework=Framework(**python_framework_info(cell.side(args.framework))),
        domain=cell.domain,
        task=cell.task,
        algorithm=cell.algorithm,
        dataset=DatasetInfo.from_manifest(cell.dataset, split.manifest),
        params=cell.params,
        seed=cell.seed,
        dtype=cell.dtype,
        threads=cell.threads,
        quality=quality,
        phases={
            p: PhaseTiming(m.warmup, m.samples, m.batch, m.warmup_s, cpu_samples=m.cpu_samples)
            for p, m in measured.items()
        },
        resources=Resources(round(peak_rss_mb(), 3), round(cpu_percent, 2)),
        status="ok",
        error=None,
        started_at=started,
        finished_at=utc_now(),
        host=hostname(),
        cpu_model=cpu_model(),
        metadata={**_process_metadata(run_facts), **bench.metadata()},
    ).write(args.out)
    return 0


def _fold_predictions(out_dir: Path, runner: Any, cell: Cell, split: Any, context: Any) -> None:
    """One untimed fit per cross-validation fold, its test predictions saved as foldK.npy."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for k in range(int(split.folds.max()) + 1):
        fold_bench = runner(cell.algorithm, cell.params, split.fold(k), context)
        for phase in fold_bench.phases:
            fold_bench.run_phase(phase)
        fold_bench.write_predictions(out_dir / f"fold{k}.npy")


def _process_metadata(protocol: dict[str, Any]) -> dict[str, Any]:
    """What this process ran under: interpreter, the thread variables and what each BLAS/OpenMP pool took
    from them (threadpoolctl's view), argv, the protocol as run, and the CPUs it may use."""
    from threadpoolctl import threadpool_info

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "thread_env": {k: os.environ.get(k) for k in sorted(os.environ) if k.endswith("_THREADS")},
        "blas": [
            {k: info.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer")}
            for info in threadpool_info()
        ],
        "argv": sys.argv,
        "protocol": protocol,
        # What the scheduler allows this process, as seen from inside it (the launcher pins it).
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


if __name__ == "__main__":
    sys.exit(main())
