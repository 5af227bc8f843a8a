"""Launch one measured process (either side), enforce its timeout, and never lose a failure.

Nextflow retries a failed task; on the last allowed attempt a failure is not an exit code but a
`status: failed` result carrying the error text, so analysis and the report still see it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairbench.core.cells import Cell
from pairbench.core.paths import rust_target_dir
from pairbench.core.schema import (
    DatasetInfo,
    Framework,
    Launch,
    Resources,
    ResultValidationError,
    cpu_model,
    hostname,
    read_result,
    utc_now,
)
from pairbench.harness.threads import thread_env

LANGUAGES = ("python", "rust")
_ERROR_TAIL = 4000


@dataclass(frozen=True)
class LaunchOutcome:
    ok: bool
    error: str | None
    result_path: Path


@dataclass(frozen=True)
class ChildUsage:
    """What the kernel accounted to the measured process (getrusage of the launcher's children, taken
    around one child: the launcher runs one measured process at a time)."""

    user_s: float
    sys_s: float


def _children_cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


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


def side_command(
    cell: Cell,
    side: str,
    cell_path: Path,
    data_dir: Path,
    launch: int,
    out: Path,
    implementations: dict[str, Any] | None,
    extra: list[str],
) -> list[str]:
    """The command line of one side: the Python worker module, or the framework's Rust binary."""
    framework = cell.side(side)
    common = ["--cell", str(cell_path), "--data-dir", str(data_dir), "--launch", str(launch), "--out", str(out)]
    if framework["language"] == "python":
        return [sys.executable, "-m", "pairbench.harness.worker", "--framework", side, *common, *extra]
    if framework["language"] == "rust":
        return [rust_binary(framework, implementations), "run", "--framework", side, *common, *extra]
    raise ValueError(f"side {side!r}: unknown language {framework['language']!r}; allowed: {', '.join(LANGUAGES)}")


def failed_result(
    cell: Cell, side: str, launch: int, error: str, data_dir: Path, started: str, metadata: dict[str, Any] | None = None
) -> Launch:
    """The `status: failed` launch of a side that left no result: what the cell and the dataset's
    manifest (if it was materialised) say, no timings."""
    manifest: dict[str, Any] = {}
    manifest_path = data_dir / cell.dataset / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    fw = cell.side(side)
    return Launch(
        run_id=cell.run_id,
        cell_id=cell.cell_id,
        launch=launch,
        language=fw["language"],
        framework=Framework(fw["name"], "", fw.get("backend", "")),
        domain=cell.domain,
        task=cell.task,
        algorithm=cell.algorithm,
        dataset=DatasetInfo.from_manifest(cell.dataset, manifest),
        params=cell.params,
        seed=cell.seed,
        dtype=cell.dtype,
        threads=cell.threads,
        quality={},
        phases={},
        resources=Resources(None, None),
        status="failed",
        error=error,
        started_at=started,
        finished_at=utc_now(),
        host=hostname(),
        cpu_model=cpu_model(),
        metadata=metadata or {},
    )


PIN_VARIABLE = "PAIRBENCH_PIN_CPUS"
_PIN_AUTO = ("auto", "on", "", "true", "yes")
_PIN_OFF = ("off", "none", "0", "false", "no")


def pinned_cpus(threads: int, setting: str | None = None) -> list[int] | None:
    """The CPUs a measured process is pinned to, or None for no pinning.

    `setting` (default: $PAIRBENCH_PIN_CPUS, else "auto"): "auto" pins to `threads` CPUs of this
    process's allowed set, the highest-numbered ones (CPU 0 usually takes more interrupts); "off" does
    not pin; "2,3" pins to those. Pinning stops the scheduler from migrating a launch (and its worker
    threads, e.g. linfa's rayon pool) between cores mid-measurement, the largest single source of
    launch-to-launch spread measured on 2 vCPUs. These are the preferred CPUs; `claimed_cpus` is what a
    launch actually takes, so that concurrent launches (--max_parallel_benchmarks > 1) get CPUs of their own.
    """
    setting = (setting if setting is not None else os.environ.get(PIN_VARIABLE, "auto")).strip().lower()
    if setting in _PIN_OFF or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if setting in _PIN_AUTO:
        return allowed[-threads:] if threads <= len(allowed) else allowed
    try:
        wanted = sorted({int(c) for c in setting.split(",") if c.strip()})
    except ValueError:
        raise ValueError(
            f"${PIN_VARIABLE}: got {setting!r}; allowed: auto, off, or a comma-separated CPU list from {allowed}"
        ) from None
    if not wanted or not set(wanted) <= set(allowed):
        raise ValueError(
            f"${PIN_VARIABLE}: CPUs {wanted} not all in this process's allowed set; allowed: "
            f"auto, off, or CPUs from {allowed}"
        )
    return wanted


@contextlib.contextmanager
def claimed_cpus(threads: int, setting: str | None = None) -> Iterator[tuple[list[int] | None, bool]]:
    """The CPUs a launch runs on, held for the duration of the `with` block, and whether they are its own.

    With "auto", each CPU of this process's allowed set (highest first, as `pinned_cpus`) is claimed by an
    exclusive, non-blocking flock on a per-user lock file, so concurrent launches on one node take disjoint
    CPUs; a serial run always gets the same CPUs as `pinned_cpus`. The kernel drops a lock when its holder
    dies (even by kill -9), so nothing is left claimed. When fewer than `threads` CPUs are free the launch
    shares the preferred ones (own = False, recorded in the result). An explicit list or "off" claims nothing.
    """
    preferred = pinned_cpus(threads, setting)
    auto = (setting if setting is not None else os.environ.get(PIN_VARIABLE, "auto")).strip().lower() in _PIN_AUTO
    if preferred is None or not auto:
        yield preferred, True
        return
    lock_dir = Path(tempfile.gettempdir()) / f"pairbench-cpus-{os.getuid()}"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    held: list[tuple[int, int]] = []  # (cpu, fd)
    try:
        for cpu in sorted(os.sched_getaffinity(0), reverse=True):
            fd = os.open(lock_dir / f"cpu{cpu}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            held.append((cpu, fd))
            if len(held) == len(preferred):
                break
        if len(held) == len(preferred):
            yield sorted(cpu for cpu, _ in held), True
        else:
            yield preferred, False
    finally:
        for _, fd in held:
            os.close(fd)  # closing the last descriptor releases the flock


def run_pinned(
    cmd: list[str],
    cpus: list[int] | None,
    timeout_s: float,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
    usage: list[ChildUsage] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` pinned to `cpus` (None: unpinned), capturing its output; raises TimeoutExpired.

    Pinned right after the fork, microseconds before its first thread pool and long before its first
    timed call; threads started later inherit it. `preexec` runs in the child before exec (the
    launcher passes `_die_with_parent`). When `usage` is given, the child's CPU seconds are appended to it."""
    before = _children_cpu()
    with subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec
    ) as child:
        if cpus is not None:
            with contextlib.suppress(ProcessLookupError):  # already exited: its status says why
                os.sched_setaffinity(child.pid, cpus)
        try:
            stdout, stderr = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise
    if usage is not None:
        after = _children_cpu()
        usage.append(ChildUsage(max(0.0, after[0] - before[0]), max(0.0, after[1] - before[1])))
    return subprocess.CompletedProcess(cmd, child.returncode, stdout, stderr)


def _record_launch_facts(
    out: Path,
    cpus: list[int] | None,
    own: bool,
    usage: ChildUsage | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Add what only the launcher knows to the result (both languages alike): the CPUs the launch was
    pinned to, the whole process's CPU seconds, and `extra` metadata (its round and arm)."""
    launch = Launch.read(out)
    pinning = {
        "pinned": cpus is not None,
        "cpus": cpus,
        "setting": os.environ.get(PIN_VARIABLE, "auto"),
        "own_cpus": own,
    }
    resources = launch.resources
    if usage is not None:
        resources = dataclasses.replace(resources, cpu_user_s=round(usage.user_s, 4), cpu_sys_s=round(usage.sys_s, 4))
    metadata = {**launch.metadata, "cpu_pinning": pinning, **(extra or {})}
    dataclasses.replace(launch, metadata=metadata, resources=resources).write(out)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGKILL it when its launcher dies. A measured process
    orphaned by a killed launcher would otherwise go on competing for the cores of the next launch."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def run_side(
    cell_path: Path,
    side: str,
    data_dir: Path,
    out: Path,
    *,
    launch: int = 1,
    timeout_s: float = 600,
    implementations: dict[str, Any] | None = None,
    extra: list[str] | None = None,
    pin: str | None = None,
    cpus: tuple[list[int] | None, bool] | None = None,
    env_extra: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> LaunchOutcome:
    """Run one side once in a fresh process with pinned threads (and, unless switched off, pinned to
    `threads` CPUs, see `pinned_cpus`); report success or the error text. `cpus` (CPUs, own) are CPUs
    the caller already claimed (the rounds runner holds one claim for every launch of a cell);
    `env_extra` is added to the child's environment and `metadata` to its result."""
    cell = Cell.read(cell_path)
    env = {**os.environ, **thread_env(cell.threads), "PYTHONHASHSEED": str(cell.seed), **(env_extra or {})}
    usage: list[ChildUsage] = []
    try:
        cmd = side_command(cell, side, cell_path, data_dir, launch, out, implementations, extra or [])
        with contextlib.ExitStack() as stack:
            pinned, own = cpus if cpus is not None else stack.enter_context(claimed_cpus(cell.threads, pin))
            proc = run_pinned(cmd, pinned, timeout_s, env, preexec=_die_with_parent, usage=usage)
    except subprocess.TimeoutExpired:
        return LaunchOutcome(False, f"timed out after {timeout_s:g} s", out)
    except (OSError, ValueError, KeyError) as exc:
        return LaunchOutcome(False, f"could not start the {side} side: {exc}", out)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip()[-_ERROR_TAIL:]
        return LaunchOutcome(False, f"exit code {proc.returncode}: {tail or '<no output>'}", out)
    try:
        _record_launch_facts(out, pinned, own, usage[0] if usage else None, metadata)
    except (ResultValidationError, FileNotFoundError) as exc:
        return LaunchOutcome(False, f"invalid result: {exc}", out)
    return LaunchOutcome(True, None, out)


def run_python_batch(
    side: str,
    jobs: list[dict[str, Any]],
    data_dir: Path,
    jobs_file: Path,
    *,
    timeout_s: float = 600,
    pin: str | None = None,
) -> list[LaunchOutcome | None]:
    """Untimed runs of several cells' Python `side` in one worker process (`worker --jobs`), pinned and
    with the threads and hash seed of their cells, which must agree. For phase 3's validation only: a
    timed launch is always its own process (`run_side`).

    Each job may take `timeout_s`, as a run of its own would: the batch is killed when the job it is on
    has run that long, and that job is recorded as timed out. Per job: its outcome, or None when it
    left no result for another reason (an error, or a batch that died or was killed before it); the
    caller runs those again with `run_side`, which names their own error."""
    from pairbench.harness.worker import progress_path

    cells = [Cell.read(Path(job["cell"])) for job in jobs]
    settings = {(c.threads, c.seed) for c in cells}
    if len(settings) != 1 or any(c.side(side)["language"] != "python" for c in cells):
        raise ValueError(f"{side}: a batch takes Python sides of cells with one threads and seed; got {settings}")
    threads, seed = settings.pop()
    jobs_file.write_text(json.dumps(jobs, indent=1), encoding="utf-8")
    cmd = [
        sys.executable, "-m", "pairbench.harness.worker", "--framework", side,
        "--data-dir", str(data_dir), "--jobs", str(jobs_file),
    ]  # fmt: skip
    env = {**os.environ, **thread_env(threads), "PYTHONHASHSEED": str(seed)}
    cpus, own, hung = None, False, None
    try:
        with claimed_cpus(threads, pin) as (cpus, own):
            hung = run_watched(cmd, cpus, env, progress_path(jobs_file), timeout_s)
    except OSError:
        pass  # could not start: every job runs on its own, and says so
    outcomes: list[LaunchOutcome | None] = []
    for index, job in enumerate(jobs):
        out = Path(job["out"])
        if index == hung:
            outcomes.append(LaunchOutcome(False, f"timed out after {timeout_s:g} s", out))
            continue
        try:
            _record_launch_facts(out, cpus, own)
            outcomes.append(LaunchOutcome(True, None, out))
        except (ResultValidationError, FileNotFoundError, ValueError):
            outcomes.append(None)
    return outcomes


def run_watched(
    cmd: list[str], cpus: list[int] | None, env: dict[str, str], progress: Path, timeout_s: float
) -> int | None:
    """Run a batch worker pinned to `cpus`, killing it once the job that `progress` names has run for
    `timeout_s`; the index of that job, or None when the worker exited by itself. Its output goes to a
    file, not a pipe, so a batch full of tracebacks cannot fill a pipe and stall."""
    with (
        tempfile.TemporaryFile() as log,
        subprocess.Popen(cmd, env=env, stdout=log, stderr=log, preexec_fn=_die_with_parent) as child,
    ):
        if cpus is not None:
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(child.pid, cpus)
        job, deadline = None, time.monotonic() + timeout_s
        while True:
            try:
                child.wait(timeout=0.2)
                return None
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(FileNotFoundError, ValueError):
                now_on = int(progress.read_text(encoding="utf-8"))
                if now_on != job:
                    job, deadline = now_on, time.monotonic() + timeout_s
            if time.monotonic() >= deadline:
                child.kill()
                child.wait()
                return job if job is not None else 0


def launch_with_retry_policy(
    cell_path: Path,
    side: str,
    data_dir: Path,
    out: Path,
    *,
    launch: int,
    attempt: int,
    max_attempts: int,
    timeout_s: float,
    implementations: dict[str, Any] | None,
) -> int:
    """Exit status for the Nextflow task: non-zero asks for a retry; on the last attempt a failure
    becomes a `status: failed` result and the task succeeds so nothing downstream is lost."""
    started = utc_now()
    outcome = run_side(
        cell_path, side, data_dir, out, launch=launch, timeout_s=timeout_s, implementations=implementations
    )
    if outcome.ok:
        return 0
    message = f"[attempt {attempt}/{max_attempts}] {outcome.error}"
    print(f"pairbench launch: {Cell.read(cell_path).cell_id} {side} launch {launch}: {message}", file=sys.stderr)
    if attempt < max_attempts:
        return 1
    failed_result(Cell.read(cell_path), side, launch, message, data_dir, started).write(out)
    return 0


def record_lost_launch(
    cell_path: Path,
    side: str,
    data_dir: Path,
    out: Path,
    *,
    launch: int,
    attempt: int = 1,
    max_attempts: int = 1,
    exit_status: int | None = None,
    task_hash: str = "",
    reason: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> int:
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
        reason = (
            f"[attempt {attempt}/{max_attempts}] lost: the launcher exited with status {exit_status} "
            f"without writing a result (Nextflow task {task_hash or '?'})"
        )
    print(f"pairbench launch: {cell.cell_id} {side} launch {launch}: {reason}", file=sys.stderr)
    lost = {"lost": {"exit_status": exit_status, "task_hash": task_hash}, "recorded_on": hostname(), **(metadata or {})}
    doc = failed_result(cell, side, launch, reason, data_dir, utc_now(), lost)
    if exit_status is None:  # written by another task, maybe on another node: which one ran it is unknown
        doc = dataclasses.replace(doc, host="", cpu_model=None)
    doc.write(out)
    return 0
