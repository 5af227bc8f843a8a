"""The measurement protocol of one launch, the same on both sides (Rust: pairbench-core runner.rs), with
the settings of the cell (`core/protocol.py`: one source for both harnesses).

Phase-major: every phase is warmed up and timed in its own loop, in the benchmark's phase order
(`fit`, then `predict` on the last fitted model). So "predict" is the latency of predicting with a
fitted model in a steady loop, not a predict that follows a fit on caches the fit disturbed.

A benchmark with stateful phases (deep learning: a training epoch changes the model) keeps the
per-repetition order instead, every repetition running each phase in turn (train an epoch, evaluate
it, time inference on it), with exactly `warmup` warm-up repetitions and no batching: both sides
then train the same number of epochs and the eval curve is per epoch.

Per phase (phase-major):
- warm-up: at least `warmup` calls and, when `warmup` > 0, until `warmup_min_s` of warm-up has run
  (pyperf discards at least 100 ms of loops), at most `warmup_max_calls` calls. A long call ends it
  early: once `warmup_max_s` has run (after at least one call), a call has paid its one-off costs,
  and three warm-up fits of 14 s would only re-measure what the samples measure.
- time budget: a phase stops taking samples once it has `min_samples` repetitions and its samples
  add up to `phase_budget_s`, as criterion's measurement time bounds a benchmark. Only calls of a
  second or more reach it; the rest take every requested sample.
- batching: a call shorter than the timer's credible floor (`sample_floor_s`) is repeated `batch`
  times per sample, as criterion does, and the sample is the batch's time divided by `batch`
  (still seconds per call). Latency phases (several samples per repetition) are never batched:
  each of their samples is one call, so their percentiles stay per call.
- CPU time: every sample also records the process's CPU seconds (user + system, every thread) per
  call, read just outside the wall-clock reads, so the analysis can set a CPU-time ratio beside the
  wall-time ratio (threads, I/O or waiting show up as a difference between the two).
- untimed preparation: a benchmark may prepare each call outside the timer (`prepare_phase`), e.g.
  the fresh unfitted estimator a `fit` starts from.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from pairbench.core.benchmark import Benchmark
from pairbench.core.protocol import Protocol


@dataclass
class PhaseResult:
    warmup: int
    warmup_s: float
    batch: int
    samples: list[float]
    # CPU seconds per call, one per sample (None where not measured).
    cpu_samples: list[float] | None = None


def batch_size(per_call_s: float, protocol: Protocol) -> int:
    """Calls per sample so that one sample lasts at least the floor (1 when a call already does)."""
    if per_call_s <= 0 or math.isnan(per_call_s):
        return protocol.max_batch
    return max(1, min(protocol.max_batch, math.ceil(protocol.sample_floor_s / per_call_s)))


def warmup_continues(done: int, spent_s: float, warmup: int, protocol: Protocol) -> bool:
    """Whether the warm-up takes another call after `done` calls that took `spent_s` in all."""
    if done > 0 and spent_s >= protocol.warmup_max_s:
        return False
    return done < warmup or (warmup > 0 and spent_s < protocol.warmup_min_s and done < protocol.warmup_max_calls)


def sampling_continues(repetitions: int, measured_s: float, samples: int, protocol: Protocol) -> bool:
    """Whether a phase takes another repetition after `repetitions` that measured `measured_s`."""
    if repetitions >= samples:
        return False
    return repetitions < min(samples, protocol.min_samples) or measured_s < protocol.phase_budget_s


def run_phase_protocol(
    bench: Benchmark,
    phase: str,
    *,
    warmup: int,
    samples: int,
    protocol: Protocol,
    clock: Callable[[], int] = time.perf_counter_ns,
    cpu_clock: Callable[[], int] = time.process_time_ns,
) -> PhaseResult:
    """Warm up and time one phase of `bench`; returns per-call seconds, `bench.repeats(phase)` samples
    per repetition (fewer repetitions than `samples`, never under `min_samples`, once the samples add
    up to the phase budget). `bench.prepare_phase` runs before each timed batch, outside the timer."""
    repeats = bench.repeats(phase)

    def timed(calls: int) -> tuple[float, float]:
        bench.prepare_phase(phase, calls)
        c0 = cpu_clock()
        t0 = clock()
        for _ in range(calls):
            bench.run_phase(phase)
        t1 = clock()
        c1 = cpu_clock()
        return (t1 - t0) / 1e9, (c1 - c0) / 1e9

    done, spent, recent = 0, 0.0, []
    while warmup_continues(done, spent, warmup, protocol):
        recent = [*recent[-9:], timed(1)[0]]
        spent += recent[-1]
        done += 1
    adaptive = repeats == 1
    out: list[float] = []
    cpu: list[float] = []
    measured = 0.0
    if adaptive and not recent and samples > 0:
        # No warm-up asked for: the first call sizes the batch. It is the first sample when it lasts the
        # floor (a call that long needs no batch; warm-up 0 asks for the cold call); else it is discarded.
        first, first_cpu = timed(1)
        recent = [first]
        if first >= protocol.sample_floor_s:
            out, cpu, measured = [first], [first_cpu], first
    # The median of the last (up to 10) warm-up calls: one preempted call must not size the batch.
    batch = batch_size(sorted(recent)[len(recent) // 2], protocol) if adaptive and recent else 1
    rep = len(out)
    while sampling_continues(rep, measured, samples, protocol):
        for _ in range(repeats):
            seconds, cpu_seconds = timed(batch)
            measured += seconds
            out.append(seconds / batch)
            cpu.append(cpu_seconds / batch)
        rep += 1
    return PhaseResult(done, round(spent, 6), batch, out, cpu)


def run_protocol(
    bench: Benchmark, *, warmup: int, samples: int, protocol: Protocol
) -> tuple[str, dict[str, PhaseResult]]:
    """Every phase of `bench`: (order, per-phase results), order 'phase-major' or 'per-repetition'."""
    phases = tuple(bench.phases)
    if not bench.stateful():
        return "phase-major", {
            p: run_phase_protocol(bench, p, warmup=warmup, samples=samples, protocol=protocol) for p in phases
        }
    clock, cpu_clock = time.perf_counter_ns, time.process_time_ns
    spent = dict.fromkeys(phases, 0.0)
    out: dict[str, list[float]] = {p: [] for p in phases}
    cpu: dict[str, list[float]] = {p: [] for p in phases}
    for rep in range(warmup + samples):
        for p in phases:
            for _ in range(bench.repeats(p)):
                bench.prepare_phase(p, 1)
                c0 = cpu_clock()
                t0 = clock()
                bench.run_phase(p)
                t1 = clock()
                c1 = cpu_clock()
                dt = (t1 - t0) / 1e9
                if rep < warmup:
                    spent[p] += dt
                else:
                    out[p].append(dt)
                    cpu[p].append((c1 - c0) / 1e9)
    return "per-repetition", {p: PhaseResult(warmup, round(spent[p], 6), 1, out[p], cpu[p]) for p in phases}
