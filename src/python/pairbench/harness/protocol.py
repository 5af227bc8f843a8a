"""The measurement protocol of one launch, the same on both sides (Rust: pairbench-core runner.rs).

Phase-major: every phase is warmed up and timed in its own loop, in the benchmark's phase order
(`fit`, then `predict` on the last fitted model). So "predict" is the latency of predicting with a
fitted model in a steady loop, not a predict that follows a fit on caches the fit disturbed.

A benchmark with stateful phases (deep learning: a training epoch changes the model) keeps the
per-repetition order instead, every repetition running each phase in turn (train an epoch, evaluate
it, time inference on it), with exactly `warmup` warm-up repetitions and no batching: both sides
then train the same number of epochs and the eval curve is per epoch.

Per phase (phase-major):
- warm-up: at least `warmup` calls and, when `warmup` > 0, until WARMUP_MIN_S of warm-up has run
  (pyperf discards at least 100 ms of loops), at most WARMUP_MAX calls. A long call ends it early:
  once WARMUP_MAX_S has run (after at least one call), a call has paid its one-off costs, and three
  warm-up fits of 14 s would only re-measure what the samples measure.
- time budget: a phase stops taking samples once it has MIN_SAMPLES repetitions and its samples add
  up to PHASE_BUDGET_S, as criterion's measurement time bounds a benchmark. Only calls of a second
  or more reach it; the rest take every requested sample.
- batching: a call shorter than the timer's credible floor (SAMPLE_FLOOR_S) is repeated `batch`
  times per sample, as criterion does, and the sample is the batch's time divided by `batch`
  (still seconds per call). Latency phases (several samples per repetition) are never batched:
  each of their samples is one call, so their percentiles stay per call.
- untimed preparation: a benchmark may prepare each call outside the timer (`prepare_phase`), e.g.
  the fresh unfitted estimator a `fit` starts from.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from pairbench.harness.benchmark import Benchmark

WARMUP_MIN_S = 0.1
WARMUP_MAX = 1000
WARMUP_MAX_S = 1.0
PHASE_BUDGET_S = 10.0
MIN_SAMPLES = 5
# perf_counter_ns costs 60-70 ns; a sample under ~100 us is dominated by timer and scheduling jitter.
SAMPLE_FLOOR_S = 100e-6
MAX_BATCH = 10_000


@dataclass
class PhaseResult:
    warmup: int
    warmup_s: float
    batch: int
    samples: list[float]


def batch_size(per_call_s: float, floor_s: float = SAMPLE_FLOOR_S) -> int:
    """Calls per sample so that one sample lasts at least `floor_s` (1 when a call already does)."""
    if per_call_s <= 0 or math.isnan(per_call_s):
        return MAX_BATCH
    return max(1, min(MAX_BATCH, math.ceil(floor_s / per_call_s)))


def run_phase_protocol(
    bench: Benchmark,
    phase: str,
    *,
    warmup: int,
    samples: int,
    floor_s: float = SAMPLE_FLOOR_S,
    budget_s: float = PHASE_BUDGET_S,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> PhaseResult:
    """Warm up and time one phase of `bench`; returns per-call seconds, `bench.repeats(phase)` samples
    per repetition (fewer repetitions than `samples`, never under MIN_SAMPLES, once the samples add up
    to `budget_s`). `bench.prepare_phase` runs before each timed batch, outside the timer."""
    repeats = bench.repeats(phase)

    def timed(calls: int) -> float:
        bench.prepare_phase(phase, calls)
        t0 = clock()
        for _ in range(calls):
            bench.run_phase(phase)
        return (clock() - t0) / 1e9

    done, spent, recent = 0, 0.0, []
    while (done < warmup or (warmup > 0 and spent < WARMUP_MIN_S and done < WARMUP_MAX)) and not (
        done > 0 and spent >= WARMUP_MAX_S
    ):
        recent = [*recent[-9:], timed(1)]
        spent += recent[-1]
        done += 1
    adaptive = repeats == 1
    out: list[float] = []
    measured, least = 0.0, min(samples, MIN_SAMPLES)
    if adaptive and not recent and samples > 0:
        # No warm-up asked for: the first call sizes the batch. It is the first sample when it lasts the
        # floor (a call that long needs no batch; warm-up 0 asks for the cold call); else it is discarded.
        recent = [timed(1)]
        if recent[0] >= floor_s:
            out, measured = [recent[0]], recent[0]
    # The median of the last (up to 10) warm-up calls: one preempted call must not size the batch.
    batch = batch_size(sorted(recent)[len(recent) // 2], floor_s) if adaptive and recent else 1
    for rep in range(len(out), samples):
        if rep >= least and measured >= budget_s:
            break
        for _ in range(repeats):
            seconds = timed(batch)
            measured += seconds
            out.append(seconds / batch)
    return PhaseResult(done, round(spent, 6), batch, out)


def run_protocol(
    bench: Benchmark,
    *,
    warmup: int,
    samples: int,
    floor_s: float = SAMPLE_FLOOR_S,
    budget_s: float = PHASE_BUDGET_S,
) -> tuple[str, dict[str, PhaseResult]]:
    """Every phase of `bench`: (order, per-phase results), order 'phase-major' or 'per-repetition'."""
    phases = tuple(bench.phases)
    if not bench.stateful():
        return "phase-major", {
            p: run_phase_protocol(bench, p, warmup=warmup, samples=samples, floor_s=floor_s, budget_s=budget_s)
            for p in phases
        }
    clock = time.perf_counter_ns
    spent = dict.fromkeys(phases, 0.0)
    out: dict[str, list[float]] = {p: [] for p in phases}
    for rep in range(warmup + samples):
        for p in phases:
            for _ in range(bench.repeats(p)):
                t0 = clock()
                bench.run_phase(p)
                dt = (clock() - t0) / 1e9
                if rep < warmup:
                    spent[p] += dt
                else:
                    out[p].append(dt)
    return "per-repetition", {p: PhaseResult(warmup, round(spent[p], 6), 1, out[p]) for p in phases}
