"""A crashing or hanging side is retried by Nextflow, then recorded as a failed result — never lost."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from pairbench.core.schema import read_result
from pairbench.harness.launcher import claimed_cpus, launch_with_retry_policy, pinned_cpus, run_side
from tests.conftest import LINFA, SKLEARN


@pytest.fixture(autouse=True)
def private_cpu_claims(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """CPU claims are node-wide by design (a lock directory under the temp dir); these tests expect the
    CPUs a lone launch gets, so they claim in a directory of their own, apart from any pipeline running
    on the same machine."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("cpu-claims")))


def test_successful_launch_writes_a_valid_result(
    make_cell, data_dir: Path, tmp_path: Path, classical_binary: Path
) -> None:
    out = tmp_path / "r.json"
    rc = launch_with_retry_policy(
        make_cell("linear"),
        "linfa",
        data_dir,
        out,
        launch=3,
        attempt=1,
        max_attempts=2,
        timeout_s=60,
        implementations=None,
    )
    assert rc == 0
    assert read_result(out)["launch"] == 3


def test_crash_asks_for_retry_then_records_failure(make_cell, data_dir: Path, tmp_path: Path) -> None:
    broken = {**LINFA, "name": "broken", "binary": "no-such-binary-anywhere"}
    cell = make_cell("linear", frameworks=[SKLEARN, broken])
    out = tmp_path / "r.json"
    first = launch_with_retry_policy(
        cell, "broken", data_dir, out, launch=1, attempt=1, max_attempts=2, timeout_s=60, implementations=None
    )
    assert first == 1 and not out.exists()  # Nextflow will retry
    last = launch_with_retry_policy(
        cell, "broken", data_dir, out, launch=1, attempt=2, max_attempts=2, timeout_s=60, implementations=None
    )
    assert last == 0
    doc = read_result(out)
    assert doc["status"] == "failed"
    assert "no-such-binary-anywhere" in doc["error"] and "attempt 2/2" in doc["error"]
    assert doc["framework"]["name"] == "broken" and doc["dataset"]["n_train"] == 353


def test_timeout_is_enforced_and_reported(make_cell, data_dir: Path, tmp_path: Path) -> None:
    sleeper = tmp_path / "sleeper"
    sleeper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import time; time.sleep(30)"\n')
    sleeper.chmod(sleeper.stat().st_mode | stat.S_IXUSR)
    slow = {**LINFA, "name": "slow", "binary": "sleeper"}
    cell = make_cell("linear", frameworks=[SKLEARN, slow])
    outcome = run_side(
        cell,
        "slow",
        data_dir,
        tmp_path / "r.json",
        timeout_s=1,
        implementations={"frameworks": {"slow": {"binary_path": str(sleeper)}}},
    )
    assert not outcome.ok and "timed out after 1 s" in (outcome.error or "")


def test_python_side_error_text_is_kept(make_cell, data_dir: Path, tmp_path: Path) -> None:
    cell = make_cell("lasso", max_iter=-5)  # scikit-learn rejects a negative max_iter
    outcome = run_side(cell, "scikit-learn", data_dir, tmp_path / "r.json", timeout_s=60)
    assert not outcome.ok
    assert "max_iter" in (outcome.error or "")


def test_peak_rss_is_the_measured_process_not_its_launcher(
    make_cell, data_dir: Path, tmp_path: Path, classical_binary: Path
) -> None:
    # Linux carries ru_maxrss across fork+exec; a Rust side reporting the Python launcher's ~100 MB
    # peak would make every memory comparison meaningless.
    import numpy as np

    ballast = np.ones(50_000_000)  # ~400 MB in this (launching) process
    out = tmp_path / "r.json"
    assert run_side(make_cell("linear"), "linfa", data_dir, out, timeout_s=60).ok
    assert ballast.sum() > 0
    assert read_result(out)["resources"]["peak_rss_mb"] < 50


def test_a_solver_stopping_at_max_iter_is_flagged(
    make_cell, data_dir: Path, tmp_path: Path, classical_binary: Path
) -> None:
    # linfa 0.8.1's elastic net with l1_ratio = 0 (ridge) never meets its duality-gap test, so it
    # always runs max_iter; lasso converges in a few sweeps. The tidy table must tell them apart.
    from pairbench.analysis.tidy import launches_table

    docs = []
    for algorithm in ("ridge", "lasso"):
        out = tmp_path / f"{algorithm}.json"
        cell = make_cell(algorithm, dataset="synthetic_linear", max_iter=200, samples=1)
        assert run_side(cell, "linfa", data_dir, out, timeout_s=60).ok
        docs.append(read_result(out))
    table = launches_table(docs).set_index("algorithm")
    assert bool(table.loc["ridge", "hit_max_iter"]) and table.loc["ridge", "n_iter"] == 200
    assert not bool(table.loc["lasso", "hit_max_iter"])


def test_launch_is_pinned_to_threads_cpus_and_says_so(make_cell, data_dir: Path, tmp_path: Path) -> None:
    allowed = sorted(os.sched_getaffinity(0))
    assert pinned_cpus(1, "auto") == allowed[-1:]
    assert pinned_cpus(2, "off") is None
    with pytest.raises(ValueError, match="PAIRBENCH_PIN_CPUS: got 'x'; allowed: auto, off"):
        pinned_cpus(1, "x")
    with pytest.raises(ValueError, match="not all in this process's allowed set"):
        pinned_cpus(1, "9999")
    out = tmp_path / "r.json"
    assert run_side(make_cell("linear"), "scikit-learn", data_dir, out, timeout_s=60, pin="auto").ok
    meta = read_result(out)["metadata"]
    assert meta["cpu_pinning"]["pinned"] and meta["cpu_pinning"]["cpus"] == allowed[-1:]
    assert meta["cpu_pinning"]["own_cpus"]
    assert meta["cpu_affinity"] == allowed[-1:]  # the child itself ran pinned
    assert run_side(make_cell("linear"), "scikit-learn", data_dir, out, timeout_s=60, pin="off").ok
    meta = read_result(out)["metadata"]
    assert not meta["cpu_pinning"]["pinned"] and meta["cpu_affinity"] == allowed


def test_a_worker_started_by_hand_pins_its_cells_threads(make_cell, data_dir: Path, tmp_path: Path) -> None:
    """The worker applies the cell's thread count itself, once, before numpy loads: started without the
    launcher's environment, every BLAS/OpenMP pool it loads still runs the cell's count (on a machine of
    one CPU this cannot fail; CI's have two)."""
    import subprocess

    from pairbench.harness.threads import THREAD_VARIABLES

    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "pairbench.harness.worker", "--framework", "scikit-learn"]
    cmd += ["--cell", str(make_cell("linear", samples=1)), "--data-dir", str(data_dir), "--out", str(out)]
    subprocess.run(cmd, env=env, check=True, timeout=120)
    meta = read_result(out)["metadata"]
    assert meta["thread_env"] == dict.fromkeys(sorted(THREAD_VARIABLES), "1")
    assert meta["blas"] and all(pool["num_threads"] == 1 for pool in meta["blas"]), meta["blas"]


def test_concurrent_launches_claim_cpus_of_their_own() -> None:
    """--max_parallel_benchmarks > 1: two launches at once must not be pinned to the same CPU."""
    allowed = sorted(os.sched_getaffinity(0))
    with claimed_cpus(1, "auto") as (first, own_first), claimed_cpus(1, "auto") as (second, own_second):
        assert first == allowed[-1:] and own_first
        if len(allowed) > 1:
            assert second == allowed[-2:-1] and own_second
        else:  # nothing left to claim: the launch shares, and says so
            assert second == allowed[-1:] and not own_second
        with claimed_cpus(len(allowed), "auto") as (rest, own_rest):
            assert rest == allowed[-len(allowed) :] and not own_rest
    with claimed_cpus(1, "auto") as (again, own_again):  # released on exit
        assert again == allowed[-1:] and own_again
    with claimed_cpus(1, "off") as (off, _):
        assert off is None


def test_protocol_warms_up_by_time_and_batches_sub_floor_calls(make_cell, data_dir: Path, tmp_path: Path) -> None:
    from pairbench.core.protocol import Protocol

    floor, warmup_min_s = Protocol().sample_floor_s, Protocol().warmup_min_s
    out = tmp_path / "r.json"
    assert run_side(make_cell("linear", samples=5, warmup=1), "scikit-learn", data_dir, out, timeout_s=60).ok
    doc = read_result(out)
    phases = doc["timing"]["phases"]
    assert doc["metadata"]["protocol"]["order"] == "phase-major"
    for phase in ("fit", "predict"):
        t = phases[phase]
        assert len(t["samples"]) == 5 and t["batch"] >= 1
        # at least the cell's one warm-up call, and more until 0.1 s of warm-up (or the cap) has run
        assert t["warmup"] >= 1 and (t["warmup_s"] >= warmup_min_s or t["warmup"] == 1000)
        # a batch lasts at least the floor; samples stay seconds per call
        assert t["batch"] * max(t["samples"]) >= floor * 0.5
        # CPU seconds per call beside every sample (a single-threaded fit: at most its wall time, give or take)
        assert len(t["cpu_samples"]) == len(t["samples"])
        assert sum(t["cpu_samples"]) <= 1.5 * sum(t["samples"]) + 1e-3


def test_protocol_batches_calls_below_the_floor_and_divides_back() -> None:
    from pairbench.core.benchmark import BenchmarkBase
    from pairbench.core.protocol import Protocol
    from pairbench.harness.protocol import run_phase_protocol

    floor = Protocol().sample_floor_s

    class Tiny(BenchmarkBase):
        phases = ("p",)
        calls = 0

        def run_phase(self, phase: str) -> None:
            self.calls += 1
            sum(range(50))  # a few microseconds

        def quality(self) -> dict[str, float | None]:
            return {}

    t = Tiny()
    res = run_phase_protocol(t, "p", warmup=1, samples=4, protocol=Protocol())
    assert res.batch > 1 and len(res.samples) == 4
    assert t.calls == res.warmup + 4 * res.batch
    median = sorted(res.samples)[2]
    assert median < floor / 2  # per call, not per batch
    assert res.batch * median > 0.3 * floor


def test_protocol_keeps_per_repetition_order_for_stateful_benchmarks() -> None:
    from pairbench.core.benchmark import BenchmarkBase
    from pairbench.core.protocol import Protocol
    from pairbench.harness.protocol import run_protocol

    class Trainer(BenchmarkBase):
        phases = ("train", "infer")
        stateful_phases = ("train",)
        phase_repeats = {"infer": 2}  # noqa: RUF012

        def __init__(self) -> None:
            self.log: list[str] = []

        def prepare_phase(self, phase: str, calls: int) -> None:
            self.log.append(f"prepare {phase} x{calls}")

        def run_phase(self, phase: str) -> None:
            self.log.append(phase)

        def quality(self) -> dict[str, float | None]:
            return {}

    t = Trainer()
    order, res = run_protocol(t, warmup=1, samples=2, protocol=Protocol())
    # every call is prepared first, outside the timer, as the Rust harness does
    one = ["prepare train x1", "train", "prepare infer x1", "infer", "prepare infer x1", "infer"]
    assert order == "per-repetition" and t.log == one * 3
    assert res["train"].warmup == 1 and len(res["train"].samples) == 2 and len(res["infer"].samples) == 4
    assert res["infer"].batch == 1


def test_protocol_time_budget_cuts_warmup_and_samples_of_long_calls_only() -> None:
    from pairbench.core.benchmark import BenchmarkBase
    from pairbench.core.protocol import Protocol
    from pairbench.harness.protocol import run_phase_protocol

    protocol = Protocol()
    min_samples = protocol.min_samples

    class Timed(BenchmarkBase):
        """Each call advances a fake clock by `seconds`, so the test does not sleep."""

        phases = ("fit", "infer")
        phase_repeats = {"infer": 3}  # noqa: RUF012

        def __init__(self, seconds: float) -> None:
            self.seconds, self.now, self.calls = seconds, 0, 0

        def clock(self) -> int:
            return self.now

        def run_phase(self, phase: str) -> None:
            self.calls += 1
            self.now += int(self.seconds * 1e9)

        def quality(self) -> dict[str, float | None]:
            return {}

    def run(bench: Timed, phase: str, warmup: int, samples: int) -> object:
        return run_phase_protocol(
            bench, phase, warmup=warmup, samples=samples, protocol=protocol, clock=bench.clock, cpu_clock=bench.clock
        )

    slow = Timed(3.0)  # 3 s fits: one warm-up call, then min_samples samples (15 s > the 10 s budget)
    res = run(slow, "fit", 3, 10)
    assert (res.warmup, len(res.samples), res.batch) == (1, min_samples, 1)
    assert slow.calls == 1 + min_samples
    medium = Timed(0.4)  # 0.4 s: warm-up until 1 s has run (3 calls), every requested sample (4 s in all)
    res = run(medium, "fit", 3, 10)
    assert (res.warmup, len(res.samples)) == (3, 10)
    # a latency phase stops on whole repetitions: 3 samples of 1 s each, 4 repetitions reach 10 s, but 5 is the least
    latency = Timed(1.0)
    res = run(latency, "infer", 1, 10)
    assert (res.warmup, len(res.samples)) == (1, 3 * min_samples)
    # fewer requested samples than min_samples: all of them
    huge = Timed(30.0)
    res = run(huge, "fit", 0, 2)
    assert (res.warmup, len(res.samples)) == (0, 2)
    # no warm-up (validation launches): a first call over the floor is the first sample, not a discarded probe
    cold = Timed(0.5)
    res = run(cold, "fit", 0, 1)
    assert (res.warmup, res.samples, cold.calls) == (0, [0.5], 1)
