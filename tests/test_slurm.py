"""The pipeline on a real one-node Slurm cluster (scripts/slurm_local.sh), plus the rules that make
cluster runs trustworthy: scheduler params checked, node identity recorded, CPU models never pooled.

The cluster test (marker `slurm`) needs root to start slurmctld, slurmd and munged; elsewhere it is
skipped with that reason. It brings the cluster up on its own ports and state directory and tears it
down whatever happens.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pairbench.analysis.tidy import MIXED_CPU_MODELS, nodes_table, refuse_mixed_cpu_models
from pairbench.configuration.config import ConfigError
from pairbench.configuration.params import validate_params
from pairbench.core.paths import project_root
from pairbench.core.schema import cpu_model, read_result, validate_result
from pairbench.harness.launcher import failed_result, record_lost_launch

ROOT = project_root()
SCRIPT = ROOT / "scripts" / "slurm_local.sh"


def make_result(
    cell_id: str = "regression.ridge.diabetes",
    framework: str = "scikit-learn",
    launch: int = 1,
    cpu_model: str | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1.0",
        "run_id": "r",
        "cell_id": cell_id,
        "launch": launch,
        "language": "python" if framework == "scikit-learn" else "rust",
        "framework": {"name": framework, "version": "1", "backend": "cpu"},
        "domain": "classical_ml",
        "task": "regression",
        "algorithm": "ridge",
        "dataset": {"name": "diabetes", "n_train": 1, "n_test": 1, "n_features": 1, "sha256": ""},
        "params": {},
        "seed": 42,
        "dtype": "float64",
        "threads": 1,
        "quality": {"r2": 0.5},
        "timing": {"phases": {"fit": {"unit": "s", "warmup": 1, "samples": [0.1, 0.2]}}},
        "resources": {"peak_rss_mb": 1.0, "cpu_percent": 99.0},
        "status": "ok",
        "error": None,
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:01Z",
        "host": "n1",
    }
    if cpu_model is not None:
        doc["cpu_model"] = cpu_model
    return doc


# ---- scheduler params ------------------------------------------------------------------------------


def test_slurm_params_are_checked() -> None:
    validate_params(
        {
            "outdir": "r",
            "slurm_queue": "compute,gpu",
            "slurm_account": "proj-42",
            "slurm_cluster_options": "--qos=short --constraint=avx2",
            "slurm_exclusive": False,
            "slurm_array_size": 50,
        }
    )
    with pytest.raises(ConfigError) as info:
        validate_params(
            {
                "outdir": "r",
                "slurm_queue": "a b",
                "slurm_account": "x;rm -rf /",
                "slurm_cluster_options": "--qos=short\nrm -rf /",
                "slurm_array_size": -1,
            }
        )
    text = str(info.value)
    assert "--slurm_queue: invalid value 'a b'; allowed: a Slurm partition name" in text
    assert "--slurm_account: invalid value 'x;rm -rf /'; allowed: a Slurm account name" in text
    assert "--slurm_cluster_options: invalid value" in text and "no newlines" in text
    assert "--slurm_array_size: -1 is less than the minimum of 0" in text


# ---- node identity ---------------------------------------------------------------------------------


def test_cpu_model_is_the_proc_cpuinfo_model_name() -> None:
    text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    names = {line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")}
    assert cpu_model() in (names or {os.uname().machine})


def test_a_result_without_cpu_model_is_still_schema_v1() -> None:
    doc = make_result()
    doc.pop("cpu_model", None)
    validate_result(doc)
    validate_result({**doc, "cpu_model": "AMD EPYC 7B13"})


def test_failed_and_lost_launches_record_their_node(make_cell, data_dir: Path, tmp_path: Path) -> None:
    from pairbench.core.cells import Cell

    cell_path = make_cell()
    doc = failed_result(
        Cell.read(cell_path), "linfa", 1, "exit code 1: boom", data_dir, "2026-01-01T00:00:00Z"
    ).to_json()
    assert doc["host"] == socket.gethostname() and doc["cpu_model"] == cpu_model()
    validate_result(doc)
    out = tmp_path / "lost.json"
    record_lost_launch(cell_path, "linfa", data_dir, out, launch=2, reason="no result after 2 attempt(s)")
    lost = read_result(out)
    assert lost["status"] == "failed" and lost["error"] == "no result after 2 attempt(s)"
    # Another task wrote it: the node that ran the lost launch is unknown, not this one.
    assert lost["host"] == "" and "cpu_model" not in lost and lost["metadata"]["lost"]["exit_status"] is None


def test_samples_from_two_cpu_models_are_never_pooled() -> None:
    same = [make_result(cell_id="c1", framework="scikit-learn", launch=i, cpu_model="CPU A") for i in (1, 2)]
    mixed = [
        make_result(cell_id="c2", framework="scikit-learn", launch=1, cpu_model="CPU A"),
        make_result(cell_id="c2", framework="linfa", launch=1, cpu_model="CPU B"),
    ]
    kept, refused = refuse_mixed_cpu_models(same + mixed)
    assert set(refused) == {"c2"}
    assert refused["c2"] == {"CPU A": ["scikit-learn#1"], "CPU B": ["linfa#1"]}
    by_cell = {(d["cell_id"], d["framework"]["name"]): d for d in kept}
    assert by_cell[("c1", "scikit-learn")]["status"] == "ok"
    for side in ("scikit-learn", "linfa"):
        doc = by_cell[("c2", side)]
        assert doc["status"] == "failed" and doc["error"].startswith(f"{MIXED_CPU_MODELS}: ")
        assert "CPU A: scikit-learn#1; CPU B: linfa#1" in doc["error"] and doc["timing"]["phases"] == {}


def test_nodes_table_says_which_node_ran_what() -> None:
    import pandas as pd

    launches = pd.DataFrame(
        [
            {"host": "n1", "cpu_model": "CPU A", "framework": "linfa", "launch": 1},
            {"host": "n1", "cpu_model": "CPU A", "framework": "linfa", "launch": 2},
            {"host": "n2", "cpu_model": "CPU B", "framework": "scikit-learn", "launch": 1},
        ]
    )
    rows = nodes_table(launches).to_dict(orient="records")
    assert rows == [
        {"host": "n1", "cpu_model": "CPU A", "framework": "linfa", "launches": 2},
        {"host": "n2", "cpu_model": "CPU B", "framework": "scikit-learn", "launches": 1},
    ]


# ---- the pipeline on a real Slurm cluster ----------------------------------------------------------


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return int(port)
    raise RuntimeError("no two free consecutive ports")


@pytest.fixture(scope="module")
def slurm() -> Iterator[dict[str, str]]:
    """A one-node cluster on its own state directory and ports; `down` runs whatever the outcome."""
    if os.geteuid() != 0:
        pytest.skip("needs root: scripts/slurm_local.sh starts slurmctld, slurmd and munged")
    # Not under pytest's tmp dir (mode 0700): munged wants every directory above its socket searchable.
    state = Path(tempfile.mkdtemp(prefix="pairbench-slurm-", dir="/tmp"))
    state.chmod(0o755)
    env = {**os.environ, "PAIRBENCH_SLURM_DIR": str(state), "PAIRBENCH_SLURM_PORT": str(_free_port_pair())}
    try:
        up = subprocess.run(
            ["bash", str(SCRIPT), "up"], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert up.returncode == 0, up.stdout + up.stderr
        yield {**env, "SLURM_CONF": str(state / "slurm.conf")}
    finally:
        down = subprocess.run(
            ["bash", str(SCRIPT), "down"], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        leftover = subprocess.run(
            ["pgrep", "-f", "--", f"-f {state}/slurm.conf"], capture_output=True, text=True, check=False
        ).stdout.split()
        assert down.returncode == 0 and not leftover, down.stdout + down.stderr + f" leftover pids: {leftover}"
        shutil.rmtree(state, ignore_errors=True)


def _task_name(job: str, workdir: str) -> str:
    """The Nextflow task a Slurm job runs, from the `### name:` header of its .command.run; an array
    element's task is the element's index into the array script's `work-dirs` list."""
    script = Path(workdir, ".command.run").read_text(encoding="utf-8")
    if "_" in job:
        dirs = re.findall(r"^###   - (.+)$", script, flags=re.M)
        script = Path(dirs[int(job.split("_")[1])], ".command.run").read_text(encoding="utf-8")
    found = re.search(r"^### name: '(.*)'$", script, flags=re.M)
    return found.group(1) if found else ""


class Canceller(threading.Thread):
    """Cancels a deep-learning cell's rounds (long enough to be caught running) in its job array, then the
    job Nextflow submits on its own to retry them: the cell's last attempt is killed."""

    MIN_RUNNING_S = 2  # past the job's start-up, so the cancel hits a running launch

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.env = env
        self.cancelled: list[str] = []
        self.task = ""
        self.log: list[str] = []
        self.stop = threading.Event()

    def _running_benchmarks(self) -> list[tuple[str, int, str]]:
        out = subprocess.run(
            ["squeue", "-h", "-t", "RUNNING", "-o", "%i|%M|%Z|%j"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        jobs = []
        for line in out.splitlines():
            job, elapsed, workdir, name = line.split("|", 3)
            if "RUN_ROUNDS" in name:
                seconds = sum(int(x) * 60**i for i, x in enumerate(reversed(elapsed.split("-")[-1].split(":"))))
                jobs.append((job, seconds, workdir))
        return jobs

    def run(self) -> None:
        while not self.stop.is_set() and len(self.cancelled) < 2:
            for job, seconds, workdir in self._running_benchmarks():
                # The retry job is cancelled as soon as it runs: a short launch can finish within 2 s, and
                # killed at any point it leaves no result, which is what the test needs.
                if job in self.cancelled or (seconds < self.MIN_RUNNING_S and not self.cancelled):
                    continue
                try:
                    task = _task_name(job, workdir)
                except (OSError, IndexError, ValueError):
                    continue
                wanted = ("lenet" in task and "_" in job) if not self.cancelled else task == self.task
                if not wanted:
                    continue
                proc = subprocess.run(["scancel", job], env=self.env, capture_output=True, text=True, check=False)
                self.log.append(f"scancel {job} ({task}) after {seconds} s: rc {proc.returncode} {proc.stderr.strip()}")
                if proc.returncode == 0:
                    self.cancelled.append(job)
                    self.task = task
                break
            time.sleep(0.5)


def _trace(out: Path) -> list[dict[str, str]]:
    (path,) = sorted((out / "pipeline_info").glob("execution_trace_*.txt"))
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.slurm
def test_pipeline_runs_through_sbatch(slurm: dict[str, str], tmp_path: Path) -> None:
    canceller = Canceller(slurm)
    canceller.start()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [
                str(ROOT / "nextflow"),
                "run",
                str(ROOT / "main.nf"),
                "-profile",
                "smoke,slurm,slurm_test",
                "--algorithms",
                "ridge,lenet",
                "--datasets",
                "diabetes,digits",
                "--min_rounds",
                "2",
                "--max_rounds",
                "2",
                "--samples",
                "3",
                "--warmup",
                "1",
                "--cv_folds",
                "0",
                "--outdir",
                "out",
                "--history_db",
                str(tmp_path / "history.duckdb"),
            ],
            cwd=tmp_path,
            env={**slurm, "NXF_ANSI_LOG": "false"},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        canceller.stop.set()
        canceller.join(timeout=10)
    elapsed = time.perf_counter() - t0
    print(f"slurm pipeline wall time: {elapsed:.1f} s; {canceller.log}")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    out = tmp_path / "out"
    trace = _trace(out)

    # Every task went through sbatch: a Slurm job id, except the local lost-launch recorder.
    scheduled = [t for t in trace if "RECORD_LOST_LAUNCH" not in t["name"]]
    assert scheduled and all(re.fullmatch(r"\d+(_\d+)?", t["native_id"]) for t in scheduled), trace
    # Nextflow's slurm executor called sbatch: once per task, except once for a whole job array.
    submissions = re.findall(r"\[SLURM\] submitted process .* > jobId: (\d+)", (tmp_path / ".nextflow.log").read_text())
    assert sorted(submissions, key=int) == sorted({t["native_id"].split("_")[0] for t in scheduled}, key=int)
    print(f"{len(scheduled)} Slurm tasks, {len(submissions)} sbatch submissions")
    # The cells' rounds went out as one job array (ids job_index), a retry on its own.
    bench = [t for t in trace if "RUN_ROUNDS" in t["name"]]
    assert len({t["native_id"].split("_")[0] for t in bench if "_" in t["native_id"]}) == 1
    for t in trace:
        assert t["submit"] and t["start"], t

    # The cancelled cell: retried once (as a job of its own), its retry cancelled too, and then its sides
    # recorded as failed results. Every launch of the other cell succeeded, on this node.
    assert len(canceller.cancelled) == 2, canceller.log
    first, retry = canceller.cancelled
    killed = {t["native_id"]: t for t in bench if t["native_id"] in canceller.cancelled}
    assert killed[first]["attempt"] == "1" and killed[retry]["attempt"] == "2", killed
    lost_task = killed[retry]["name"]
    assert [t["attempt"] for t in bench if t["name"] == lost_task] == ["1", "2"]
    results = {p.name: read_result(p) for p in sorted((out / "raw").glob("*.json"))}  # schema-valid, all
    # ridge: 2 rounds of scikit-learn, linfa, linfa-py; lenet (cancelled): pytorch, candle, tch recorded lost
    assert len(results) == 3 * 2 + 3
    failed = [r for r in results.values() if r["status"] == "failed"]
    assert len(failed) == 3 and all(r["error"].startswith("no result after 2 attempt(s)") for r in failed), failed
    assert {r["algorithm"] for r in failed} == {"lenet"} and lost_task.endswith(f"({failed[0]['cell_id']})")
    ok = [r for r in results.values() if r["status"] == "ok"]
    assert all(r["host"] == socket.gethostname() and r["cpu_model"] == cpu_model() for r in ok)

    # The report came out, and its methods say which node ran what.
    report = json.loads((out / "report" / "report.json").read_text(encoding="utf-8"))
    assert any(
        m.startswith(f"Node {socket.gethostname()} ({cpu_model()}) ran the launches of:") for m in report["methods"]
    )
    assert (out / "report" / "index.html").is_file()
    analysis: dict[str, Any] = json.loads((out / "analysis" / "analysis.json").read_text(encoding="utf-8"))
    assert analysis["n_failed"] == 3 and analysis["mixed_cpu_models"] == {}
