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
    "--min_rounds",  # fixed rounds: these tests count launches
    "2",
    "--max_rounds",
    "2",
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


def _killer(patterns: list[tuple[list[str], bool]], ancestor: int, stop: threading.Event, killed: list[str]) -> None:
    """SIGKILL the first process below `ancestor` matching each pattern (argv words), once each; with
    `parent`, its parent process instead (the launcher that started it)."""
    todo = list(patterns)
    while todo and not stop.is_set():
        for pattern, parent in list(todo):
            for pid in _pids(pattern, ancestor):
                try:
                    os.kill(_parent(pid) if parent else pid, signal.SIGKILL)
                    killed.append(" ".join(pattern))
                    todo.remove((pattern, parent))
                except ProcessLookupError:
                    continue
                break
        time.sleep(0.02)


def test_hostile_paths_and_killed_launches(tmp_path: Path) -> None:
    hostile = tmp_path / PAYLOAD
    hostile.mkdir()
    args = [
        *ONE_CELL,
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
    # The Rust side's first launch (its measured child), and, in round 2, the cell's rounds runner itself
    # (the parent of scikit-learn's second launch); matched by the result file phase 4 writes, so the
    # validation runs of phase 3 are left alone.
    patterns = [
        (["pairbench-classical", "run", ".linfa.1.json"], False),
        (["pairbench.harness.worker", ".scikit-learn.2.json"], True),
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
    # the killed child's side left the rounds after round 1; the other two reached round 2
    assert set(results) == {(s, 1) for s in _comparable_sides(outdir)} | {("scikit-learn", 2), ("linfa-py", 2)}
    child = results[("linfa", 1)]
    assert child["status"] == "failed" and "exit code -9" in child["error"]
    lost = results[("scikit-learn", 2)]
    assert lost["status"] == "failed" and "lost: the launcher exited with status 137" in lost["error"]
    assert lost["metadata"]["lost"]["exit_status"] == 137 and "/" in lost["metadata"]["lost"]["task_hash"]
    # the finished launches are kept; linfa-py's round 2 is lost too when it came after scikit-learn's
    assert results[("scikit-learn", 1)]["status"] == results[("linfa-py", 1)]["status"] == "ok"
    assert results[("linfa-py", 2)]["status"] == "ok" or "lost" in results[("linfa-py", 2)]["metadata"]
    (record,) = (outdir / "rounds").glob("*.rounds.json")
    assert json.loads(record.read_text())["stop_reason"].startswith("lost in round 2")

    failures = pd.read_csv(outdir / "analysis" / "failures.csv")
    assert set(failures["status"]) == {"failed", "lost"} and list(failures["status"]).count("failed") == 1
    report = (outdir / "report" / "index.html").read_text()
    assert "exit code -9" in report and "status 137" in report
    assert (hostile / "h.duckdb").is_file()  # the history went where the param said, quoted


def _comparable_sides(outdir: Path) -> list[str]:
    (validation,) = (outdir / "validation").glob("*.validation.json")
    return list(json.loads(validation.read_text())["comparable_sides"])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sigint_in_phase_four_then_resume(tmp_path: Path) -> None:
    # Two cells, one at a time: interrupt once the first cell's rounds are done, while the second's run.
    cells = [*ONE_CELL]
    cells[cells.index("svr")] = "svr,ridge"
    args = [*cells, "--max_parallel_benchmarks", "1", "--samples", "200", "--outdir", "out",
            "--history_db", str(tmp_path / "h.duckdb")]  # fmt: skip
    # A command started with `&` by a non-interactive shell (CI scripts, nohup) inherits SIGINT ignored,
    # and a JVM that starts with SIGINT ignored never installs Nextflow's handler: restore the default.
    proc = nextflow(args, tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    raw, rounds = tmp_path / "out" / "raw", tmp_path / "out" / "rounds"
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline and proc.poll() is None and not list(rounds.glob("*.rounds.json")):
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before phase 4 could be interrupted"
    time.sleep(2)  # the second cell's rounds are under way
    proc.send_signal(signal.SIGINT)
    code, out = finish(proc)
    assert code != 0
    (done,) = [json.loads(p.read_text())["cell_id"] for p in rounds.glob("*.rounds.json")]
    before = {p.name: _sha(p) for p in raw.glob("*.json")}
    assert before and all(name.startswith(done) for name in before), sorted(before)

    code, out = finish(nextflow([*args, "-resume"], tmp_path))
    assert code == 0, out[-5000:]
    assert "Cached" in out or "cached" in out
    after = {p.name: _sha(p) for p in raw.glob("*.json")}
    assert len(list(rounds.glob("*.rounds.json"))) == 2 and len(after) > len(before)
    assert all(after[name] == sha for name, sha in before.items()), "a finished cell was re-run"
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
