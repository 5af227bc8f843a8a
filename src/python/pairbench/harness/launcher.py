"""Launch one measured process (either side), enforce its timeout, and never lose a failure.

Nextflow retries a failed task; on the last allowed attempt a failure is not an exit code but a
`status: failed` result carrying the error text, so analysis and the report still see it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairbench.cells import Cell
from pairbench.harness.threads import thread_env
from pairbench.paths import rust_target_dir
from pairbench.schema import (
    SCHEMA_VERSION,
    ResultValidationError,
    cpu_model,
    hostname,
    read_result,
    utc_now,
    write_result,
)

LANGUAGES = ("python", "rust")
_ERROR_TAIL = 4000


@dataclass(frozen=True)
class LaunchOutcome:
    ok: bool
    error: str | None
    result_path: Path


def rust_binary(framework: dict[str, str], implementations: dict[str, Any] | None) -> str:
    name = framework.get("binary", "")
    if implementations:
        built = implementations.get("frameworks", {}).get(framework["name"], {})
        if built.get("binary_path"):
            return str(built["binary_path"])
    local = rust_target_dir() / "release" / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"rust binary {name!r} not found in {local.parent} or on PATH (run `make setup`)")


def side_command(cell: Cell, side: str, cell_path: Path, data_dir: Path, launch: int, out: Path,
                 implementations: dict[str, Any] | None, extra: list[str]) -> list[str]:
    """The command line of one side: the Python worker module, or the framework's Rust binary."""
    framework = cell.side(side)
    common = ["--cell", str(cell_path), "--data-dir", str(data_dir), "--launch", str(launch), "--out", str(out)]
    if framework["language"] == "python":
        return [sys.executable, "-m", "pairbench.harness.worker", "--framework", side, *common, *extra]
    if framework["language"] == "rust":
        return [rust_binary(framework, implementations), "run", "--framework", side, *common, *extra]
    raise ValueError(f"side {side!r}: unknown language {framework['language']!r}; allowed: {', '.join(LANGUAGES)}")


def failed_result(cell: Cell, side: str, launch: int, error: str, data_dir: Path, started: str,
                  metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    manifest: dict[str, Any] = {}
    manifest_path = data_dir / cell.dataset / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    fw = cell.side(side)
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": cell.run_id,
        "cell_id": cell.cell_id,
        "launch": launch,
        "language": fw["language"],
        "framework": {"name": fw["name"], "version": "", "backend": fw.get("backend", "")},
        "domain": cell.domain,
        "task": cell.task,
        "algorithm": cell.algorithm,
        "dataset": {"name": cell.dataset, "n_train": manifest.get("n_train", 0),
                    "n_test": manifest.get("n_test", 0), "n_features": manifest.get("n_features", 0),
                    "sha256": manifest.get("sha256", "")},
        "params": cell.params,
        "seed": cell.seed,
        "dtype": cell.dtype,
        "threads": cell.threads,
        "quality": {},
        "timing": {"phases": {}},
        "resources": {"peak_rss_mb": None, "cpu_percent": None},
        "status": "failed",
        "error": error,
        "started_at": started,
        "finished_at": utc_now(),
        "host": hostname(),
        "cpu_model": cpu_model(),
        **({"metadata": metadata} if metadata else {}),
    }


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGKILL it when its launcher dies. A measured process
    orphaned by a killed launcher would otherwise go on competing for the cores of the next launch."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def run_side(cell_path: Path, side: str, data_dir: Path, out: Path, *, launch: int = 1, timeout_s: float = 600,
             implementations: dict[str, Any] | None = None, extra: list[str] | None = None) -> LaunchOutcome:
    """Run one side once in a fresh process with pinned threads; report success or the error text."""
    cell = Cell.read(cell_path)
    env = {**os.environ, **thread_env(cell.threads), "PYTHONHASHSEED": str(cell.seed)}
    try:
        cmd = side_command(cell, side, cell_path, data_dir, launch, out, implementations, extra or [])
        proc = subprocess.run(cmd, env=env, timeout=timeout_s, capture_output=True, text=True, check=False,
                              preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        return LaunchOutcome(False, f"timed out after {timeout_s:g} s", out)
    except (OSError, ValueError, KeyError) as exc:
        return LaunchOutcome(False, f"could not start the {side} side: {exc}", out)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip()[-_ERROR_TAIL:]
        return LaunchOutcome(False, f"exit code {proc.returncode}: {tail or '<no output>'}", out)
    try:
        read_result(out)
    except (ResultValidationError, FileNotFoundError) as exc:
        return LaunchOutcome(False, f"invalid result: {exc}", out)
    return LaunchOutcome(True, None, out)


def launch_with_retry_policy(cell_path: Path, side: str, data_dir: Path, out: Path, *, launch: int,
                             attempt: int, max_attempts: int, timeout_s: float,
                             implementations: dict[str, Any] | None) -> int:
    """Exit status for the Nextflow task: non-zero asks for a retry; on the last attempt a failure
    becomes a `status: failed` result and the task succeeds so nothing downstream is lost."""
    started = utc_now()
    outcome = run_side(cell_path, side, data_dir, out, launch=launch, timeout_s=timeout_s,
                       implementations=implementations)
    if outcome.ok:
        return 0
    message = f"[attempt {attempt}/{max_attempts}] {outcome.error}"
    print(f"pairbench launch: {Cell.read(cell_path).cell_id} {side} launch {launch}: {message}", file=sys.stderr)
    if attempt < max_attempts:
        return 1
    write_result(failed_result(Cell.read(cell_path), side, launch, message, data_dir, started), out)
    return 0



def record_lost_launch(cell_path: Path, side: str, data_dir: Path, out: Path, *, launch: int, attempt: int = 1,
                       max_attempts: int = 1, exit_status: int | None = None, task_hash: str = "",
                       reason: str | None = None) -> int:
    """A `status: failed` result marked `lost` for a launch that left none, so the analysis lists it.

    Two callers: the task script, when its launcher died on the last attempt (kill -9, the OOM killer;
    `exit_status` and `task_hash` say which), and phase 4's RECORD_LOST_LAUNCH, when every attempt was
    killed before even the script could record it (scancel, preemption, a node failure; `reason`).
    A valid result already at `out` is kept.
    """
    try:
        read_result(out)
        return 0  # the launcher finished its result before it died: keep it
    except (ResultValidationError, FileNotFoundError, ValueError):
        pass
    cell = Cell.read(cell_path)
    if reason is None:
        reason = (f"[attempt {attempt}/{max_attempts}] lost: the launcher exited with status {exit_status} "
                  f"without writing a result (Nextflow task {task_hash or '?'})")
    print(f"pairbench launch: {cell.cell_id} {side} launch {launch}: {reason}", file=sys.stderr)
    lost = {"lost": {"exit_status": exit_status, "task_hash": task_hash}, "recorded_on": hostname()}
    doc = failed_result(cell, side, launch, reason, data_dir, utc_now(), lost)
    if exit_status is None:  # written by another task, maybe on another node: which one ran it is unknown
        doc["host"] = ""
        doc.pop("cpu_model", None)
    write_result(doc, out)
    return 0
