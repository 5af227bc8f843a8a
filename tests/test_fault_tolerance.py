"""Hostile values and injected faults against the real pipeline (slow; marked `pipeline`).

- Every string param either has a schema pattern that refuses shell syntax, or reaches the tasks
  quoted; one run gives every free-text (path) param a hostile value and checks nothing executed.
- In the same run, a measured Rust child and a launcher are killed with SIGKILL on their last attempt:
  both are recorded (failed / lost with the task hash and exit status) and the report lists them.
- SIGINT in phase 4, then -resume: finished tasks are cached, their raw files byte-identical.
- A full disk (a small tmpfs, where mount is allowed): a clear error, then -resume recovers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from pairbench.configuration.config import ConfigError
from pairbench.configuration.params import schema_properties, validate_params
from pairbench.core.paths import config_dir, project_root
from pairbench.core.schema import read_result

ROOT = project_root()
pytestmark = pytest.mark.pipeline
# Text that runs a command if it ever reaches a shell unquoted: ; $( ) backticks, quotes and spaces. Tasks
# run in the work dir below the launch dir, so a PWNED file anywhere below it means it ran.
PAYLOAD = "x y';touch PWNED;'\"$(touch PWNED)\"`touch PWNED`;#"
# Params that are paths (free text by nature): they must be quoted, and the run below proves it.
PATH_PARAMS = (
    "outdir",
    "benchmarks_config",
    "frameworks_config",
    "hardware_config",
    "analysis_config",
    "requirements",
    "history_db",
)
ONE_CELL = [
    "-profile",
    "smoke",
    "--domains",
    "classical_ml",
    "--algorithms",
    "svr",
    "--datasets",
    "diabetes",
    "--cv_folds",
    "0",
    "--max_launches",  # fixed launches: these tests count them
    "0",
]


def nextflow(args: list[str], cwd: Path, timeout: int = 600, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "NXF_ANSI_LOG": "false"}
    return subprocess.Popen(
        [str(ROOT / "nextflow"), "run", str(ROOT / "main.nf"), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )  # type: ignore[call-overload]


def finish(proc: subprocess.Popen[str], timeout: int = 600) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def test_every_string_param_is_patterned_or_a_quoted_path(tmp_path: Path) -> None:
    """The schema's string params: a hostile value is refused by check-config, unless the param is a
    path (then the pipeline run below passes it through every task that uses it)."""
    props = schema_properties(json.loads((ROOT / "nextflow_schema.json").read_text()))
    strings = sorted(
        n for n, p in props.items() if "string" in ([p["type"]] if isinstance(p["type"], str) else p["type"])
    )
    assert strings, "no string params found"
    for name in strings:
        if name in PATH_PARAMS:
            continue
        with pytest.raises(ConfigError, match=f"--{name}: "):
            validate_params({name: PAYLOAD})
    assert not list(tmp_path.iterdir())
    assert set(PATH_PARAMS) <= set(strings)


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = _parent(pid)
    return False


def _pids(pattern: list[str], ancestor: int) -> list[int]:
    """Processes below `ancestor` (this test's Nextflow run only) whose argv has every word of `pattern`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = [a.decode(errors="replace") for a in argv]
        if all(any(p == a or a.endswith(p) for a in text) for p in pattern) and _descends_from(
            int(proc.name), ancestor
        ):
            found.append(int(proc.name))
    return found


def _killer(patterns: list[list[str]], ancestor: int, stop: threading.Event, killed: list[str]) -> None:
    """SIGKILL the first process below `ancestor` matching each pattern (argv words), once each."""
    todo = list(patterns)
    while todo and not stop.is_set():
        for pattern in list(todo):
            for pid in _pids(pattern, ancestor):
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(" ".join(pattern))
                    todo.remove(pattern)
                except ProcessLookupError:
                    continue
                break
        time.sleep(0.02)


def test_hostile_paths_and_killed_launches(tmp_path: Path) -> None:
    hostile = tmp_path / PAYLOAD
    hostile.mkdir()
    args = [
        *ONE_CELL,
        "--launches",
        "2",
        "--samples",
        "400",
        "--max_attempts",
        "1",
        "--outdir",
        str(hostile / "out"),
        "--history_db",
        str(hostile / "h.duckdb"),
    ]
    for param, name in (
        ("benchmarks_config", "benchmarks.yaml"),
        ("frameworks_config", "frameworks.yaml"),
        ("hardware_config", "hardware.yaml"),
        ("analysis_config", "analysis.yaml"),
        ("requirements", "requirements.yaml"),
    ):
        target = hostile / f"{PAYLOAD}{name}"
        shutil.copy(config_dir() / name, target)
        args += [f"--{param}", str(target)]

    stop, killed = threading.Event(), []
    # The Rust side's first launch (its measured child), and the Python side's second launcher itself;
    # matched by the result file phase 4 writes, so the validation runs of phase 3 are left alone.
    patterns = [
        ["pairbench-classical", "run", ".linfa.1.json"],
        ["launch", "--side", "scikit-learn", ".scikit-learn.2.json", "--attempt"],
    ]
    run = nextflow(args, tmp_path)
    watcher = threading.Thread(target=_killer, args=(patterns, run.pid, stop, killed), daemon=True)
    watcher.start()
    code, out = finish(run)
    stop.set()
    watcher.join()
    assert code == 0, out[-5000:]
    assert not list(tmp_path.rglob("PWNED")), "a hostile param was executed"
    assert len(killed) == 2, f"killed only {killed}"

    outdir = hostile / "out"
    results = {(r["framework"]["name"], r["launch"]): r for r in map(read_result, (outdir / "raw").glob("*.json"))}
    assert len(results) == 2 * len(_comparable_sides(outdir))
    child = results[("linfa", 1)]
    assert child["status"] == "failed" and "exit code -9" in child["error"]
    lost = results[("scikit-learn", 2)]
    assert lost["status"] == "failed" and "lost: the launcher exited with status 137" in lost["error"]
    assert lost["metadata"]["lost"]["exit_status"] == 137 and "/" in lost["metadata"]["lost"]["task_hash"]
    untouched = {k: r["status"] for k, r in results.items() if k not in {("linfa", 1), ("scikit-learn", 2)}}
    assert set(untouched.values()) == {"ok"}, untouched

    failures = pd.read_csv(outdir / "analysis" / "failures.csv")
    assert sorted(failures["status"]) == ["failed", "lost"]
    report = (outdir / "report" / "index.html").read_text()
    assert "exit code -9" in report and "status 137" in report
    assert (hostile / "h.duckdb").is_file()  # the history went where the param said, quoted


def _comparable_sides(outdir: Path) -> list[str]:
    (validation,) = (outdir / "validation").glob("*.validation.json")
    return list(json.loads(validation.read_text())["comparable_sides"])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sigint_in_phase_four_then_resume(tmp_path: Path) -> None:
    args = [
        *ONE_CELL,
        "--launches",
        "3",
        "--samples",
        "200",
        "--outdir",
        "out",
        "--history_db",
        str(tmp_path / "h.duckdb"),
    ]
    # A command started with `&` by a non-interactive shell (CI scripts, nohup) inherits SIGINT ignored,
    # and a JVM that starts with SIGINT ignored never installs Nextflow's handler: restore the default.
    proc = nextflow(args, tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    raw = tmp_path / "out" / "raw"
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline and proc.poll() is None and len(list(raw.glob("*.json"))) < 2:
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before phase 4 could be interrupted"
    proc.send_signal(signal.SIGINT)
    code, out = finish(proc)
    assert code != 0
    before = {p.name: _sha(p) for p in raw.glob("*.json")}
    total = 3 * len(_comparable_sides(tmp_path / "out"))
    assert 2 <= len(before) < total, sorted(before)

    code, out = finish(nextflow([*args, "-resume"], tmp_path))
    assert code == 0, out[-5000:]
    assert "Cached" in out or "cached" in out
    after = {p.name: _sha(p) for p in raw.glob("*.json")}
    assert len(after) == total
    assert all(after[name] == sha for name, sha in before.items()), "a finished launch was re-run"
    assert (tmp_path / "out" / "report" / "index.html").is_file()


@pytest.fixture
def small_disk(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    probe = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"mount is not allowed here: {probe.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_is_named_then_resume_recovers(tmp_path: Path, small_disk: Path) -> None:
    args = [
        *ONE_CELL,
        "--launches",
        "1",
        "--outdir",
        str(small_disk / "out"),
        "--history_db",
        str(tmp_path / "h.duckdb"),
    ]
    code, out = finish(nextflow(args, tmp_path))
    assert code != 0
    line = next((x for x in out.splitlines() if "pairbench failed:" in x), "")
    assert f"no space left on {small_disk}" in line, out[-3000:]
    assert "java." not in line and "Exception" not in line

    subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
    code, out = finish(nextflow([*args, "-resume"], tmp_path))
    assert code == 0, out[-5000:]
    assert (small_disk / "out" / "report" / "index.html").is_file()
