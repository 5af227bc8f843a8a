"""Phase 4's unit of work: the rounds of one cell.

A round launches every side of the cell once, each a fresh process (harness/launcher.py), in a
random order drawn from a recorded seed, back to back, on the same CPUs (one claim for the whole
cell). The launch is the unit of replication: each launch contributes one value per phase (the
median of its samples; the samples stay in its result file), and rounds pair the sides' values.
Interleaving in random order is the cheap insurance against drift: a host that slows down for a
minute slows every side of the rounds it spans, not one side's block of launches.

After `min_rounds` rounds and at every later look the caller's `decide` (analysis/stopping.py's
`look`) says whether the cell's verdicts are settled; an unsettled cell gets more rounds, up to
`max_rounds` and its time budget. In an A/A run every side also gets a second arm (the same
implementation, launched under `PAIRBENCH_ARM=b` and recorded as such), interleaved exactly like a
real pair, so the false-verdict rate of the whole design can be measured.

A launch that fails is retried at once; a side whose launch still fails after `max_attempts`
is recorded as failed (the result file says why) and leaves the rounds. Every round's order, start
times and outcome, and every look, go into `<cell_id>.rounds.json` beside the results.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pairbench.core.cells import Cell
from pairbench.core.schema import Result, phase_values, read_result, utc_now
from pairbench.harness.launcher import claimed_cpus, failed_result, record_lost_launch, run_side

ARM_VARIABLE = "PAIRBENCH_ARM"
SECOND_ARM = "b"


@dataclass(frozen=True)
class Arm:
    """One thing launched in every round: a side, or (A/A runs) a side's second arm."""

    side: str
    arm: str = "a"

    @property
    def label(self) -> str:
        """The name the analysis compares under: the side's, with `#b` for a second arm."""
        return self.side if self.arm == "a" else f"{self.side}#{self.arm}"

    def result_name(self, cell_id: str, round_no: int) -> str:
        middle = self.side if self.arm == "a" else f"{self.side}.arm-{self.arm}"
        return f"{cell_id}.{middle}.{round_no}.json"


@dataclass(frozen=True)
class RoundsSettings:
    min_rounds: int
    max_rounds: int
    budget_s: float  # no new round starts once the cell has run this long (min_rounds always run)
    seed: int  # the run's order seed; each round's order comes from (seed, cell, round)
    timeout_s: float = 600.0
    max_attempts: int = 2
    aa: bool = False


def round_order(arms: list[Arm], seed: int, cell_id: str, round_no: int) -> list[Arm]:
    """The order of one round: a shuffle seeded by (seed, cell, round) (random's str seeding is sha512,
    so it does not depend on PYTHONHASHSEED): the same run re-draws the same orders, and no side is
    always first."""
    order = list(arms)
    random.Random(f"{seed}/{cell_id}/{round_no}").shuffle(order)
    return order


def pairs_to_settle(arms: list[Arm], aa: bool) -> list[tuple[str, str]]:
    """(candidate, reference) labels whose verdicts hold a cell open: each side against the first
    (the baseline); in an A/A run, each side's second arm against its first."""
    if aa:
        return [(a.label, Arm(a.side).label) for a in arms if a.arm != "a"]
    labels = [a.label for a in arms]
    return [(label, labels[0]) for label in labels[1:]]


@dataclass
class RoundsRecord:
    cell_id: str
    seed: int
    aa: bool
    arms: list[str]
    settings: dict[str, Any]
    cpus: list[int] | None = None
    own_cpus: bool = True
    rounds: list[dict[str, Any]] = field(default_factory=list)
    looks: list[dict[str, Any]] = field(default_factory=list)
    failed_arms: dict[str, str] = field(default_factory=dict)
    stop_reason: str = ""
    started_at: str = ""
    finished_at: str = ""
    elapsed_s: float = 0.0

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")


Decide = Callable[[dict[str, dict[str, list[float]]], list[tuple[str, str]], int], Any]


def _launch_arm(
    cell_path: Path, cell: Cell, arm: Arm, round_no: int, out: Path, data_dir: Path,
    settings: RoundsSettings, cpus: tuple[list[int] | None, bool], implementations: dict[str, Any] | None,
) -> tuple[bool, int, str | None]:  # fmt: skip
    """One launch of one arm, retried up to `max_attempts`; (ok, attempts, error). The last failure is
    written as a `status: failed` result."""
    meta = {"round": round_no, "arm": arm.arm}
    env = {ARM_VARIABLE: arm.arm} if settings.aa else {}
    started, error = utc_now(), None
    for attempt in range(1, settings.max_attempts + 1):
        outcome = run_side(
            cell_path, arm.side, data_dir, out, launch=round_no, timeout_s=settings.timeout_s,
            implementations=implementations, cpus=cpus, env_extra=env, metadata=meta,
        )  # fmt: skip
        if outcome.ok:
            return True, attempt, None
        error = f"[attempt {attempt}/{settings.max_attempts}] {outcome.error}"
        print(f"pairbench rounds: {cell.cell_id} {arm.label} round {round_no}: {error}", file=sys.stderr)
    failed_result(cell, arm.side, round_no, error or "failed", data_dir, started, meta).write(out)
    return False, settings.max_attempts, error


def run_rounds(
    cell_path: Path,
    sides: list[str],
    data_dir: Path,
    out_dir: Path,
    settings: RoundsSettings,
    decide: Decide,
    *,
    implementations: dict[str, Any] | None = None,
    pin: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    record_path: Path | None = None,
) -> RoundsRecord:
    """Every round of one cell's `sides` (baseline first), until `decide` settles it or the limits stop
    it; results go to `out_dir`, one file per launch, and the record to `record_path` (default
    `<out_dir>/<cell_id>.rounds.json`)."""
    cell = Cell.read(cell_path)
    arms = [Arm(s) for s in sides]
    if settings.aa:
        arms += [Arm(s, SECOND_ARM) for s in sides]
    pairs = pairs_to_settle(arms, settings.aa)
    record = RoundsRecord(
        cell.cell_id, settings.seed, settings.aa, [a.label for a in arms], asdict(settings), started_at=utc_now()
    )
    values: dict[str, dict[str, list[float]]] = {a.label: {} for a in arms}
    out_dir.mkdir(parents=True, exist_ok=True)
    record_path = record_path or out_dir / f"{cell.cell_id}.rounds.json"
    progress = progress_path(record_path)
    start = clock()
    with claimed_cpus(cell.threads, pin) as (cpus, own):
        record.cpus, record.own_cpus = cpus, own
        round_no = 0
        while True:
            round_no += 1
            live = [a for a in arms if a.label not in record.failed_arms]
            # Where the runner is, for `record_lost_rounds` should it be killed in this round.
            progress.write_text(json.dumps({"round": round_no, "failed_arms": sorted(record.failed_arms)}), "utf-8")
            order = round_order(live, settings.seed, cell.cell_id, round_no)
            launches = []
            for arm in order:
                out = out_dir / arm.result_name(cell.cell_id, round_no)
                t0 = clock()
                ok, attempts, error = _launch_arm(
                    cell_path, cell, arm, round_no, out, data_dir, settings, (cpus, own), implementations
                )
                launches.append(
                    {"arm": arm.label, "file": out.name, "ok": ok, "attempts": attempts,
                     "start_s": round(t0 - start, 3), "wall_s": round(clock() - t0, 3)}
                )  # fmt: skip
                if not ok:
                    record.failed_arms[arm.label] = error or "failed"
                _append_values(values[arm.label], read_result(out) if ok else None, round_no)
            record.rounds.append({"round": round_no, "order": [a.label for a in order], "launches": launches})
            _pad(values, round_no)
            elapsed = clock() - start
            print(
                f"pairbench rounds: {cell.cell_id}: round {round_no} done ({elapsed:.0f} s)",
                file=sys.stderr,
            )
            if len([a for a in arms if a.label not in record.failed_arms]) < 2:
                record.stop_reason = "fewer than two sides left: " + "; ".join(sorted(record.failed_arms))
                break
            if round_no >= settings.min_rounds:
                verdict = decide(values, pairs, round_no)
                if verdict is not None:
                    record.looks.append(asdict(verdict))
                    if verdict.settled:
                        record.stop_reason = verdict.reason
                        break
                if round_no >= settings.max_rounds:
                    record.stop_reason = f"max_rounds ({settings.max_rounds}) reached"
                    break
                per_round = elapsed / round_no
                if elapsed + per_round > settings.budget_s:
                    record.stop_reason = (
                        f"time budget: {elapsed:.0f} s used, another round (~{per_round:.0f} s) would pass "
                        f"the cell's {settings.budget_s:g} s"
                    )
                    break
    record.finished_at = utc_now()
    record.elapsed_s = round(clock() - start, 3)
    record.write(record_path)
    progress.unlink(missing_ok=True)
    return record


def progress_path(record_path: Path) -> Path:
    """Where a running cell names the round it is in (and the arms that already left)."""
    return record_path.with_name(record_path.name.removesuffix(".json") + ".progress")


def _append_values(values: dict[str, list[float]], doc: Result | None, round_no: int) -> None:
    """Add one launch's per-phase value (the median of its samples) to its arm's lists, at position
    `round_no - 1`; a failed launch adds nothing (its place is padded with NaN)."""
    if doc is None or doc["status"] != "ok":
        return
    for phase, (median, _cpu) in phase_values(doc).items():
        series = values.setdefault(phase, [])
        series.extend([math.nan] * (round_no - 1 - len(series)))
        series.append(median)


def _pad(values: dict[str, dict[str, list[float]]], rounds: int) -> None:
    for by_phase in values.values():
        for series in by_phase.values():
            series.extend([math.nan] * (rounds - len(series)))


def record_lost_rounds(
    cell_path: Path,
    sides: list[str],
    data_dir: Path,
    out_dir: Path,
    record_path: Path,
    *,
    aa: bool = False,
    exit_status: int | None = None,
    task_hash: str = "",
) -> int:
    """After the rounds runner itself died (kill -9, the OOM killer) on its last attempt: keep every result
    it finished, record as lost (exit status and task hash) each arm still in the rounds that has no result
    for the round the runner was in (round 1 when it had not started), and write the rounds record if it
    left none. Returns the number of launches recorded lost."""
    cell = Cell.read(cell_path)
    arms = [Arm(s) for s in sides] + ([Arm(s, SECOND_ARM) for s in sides] if aa else [])
    out_dir.mkdir(parents=True, exist_ok=True)
    where = progress_path(record_path)
    state = json.loads(where.read_text(encoding="utf-8")) if where.is_file() else {"round": 1, "failed_arms": []}
    round_no, gone = int(state["round"]), set(state["failed_arms"])
    lost = 0
    for arm in arms:
        out = out_dir / arm.result_name(cell.cell_id, round_no)
        if arm.label in gone or out.exists():
            continue
        record_lost_launch(
            cell_path, arm.side, data_dir, out, launch=round_no, exit_status=exit_status, task_hash=task_hash,
            metadata={"round": round_no, "arm": arm.arm},
        )  # fmt: skip
        lost += 1
    if not record_path.exists():
        record = RoundsRecord(cell.cell_id, 0, aa, [a.label for a in arms], {"lost_in_round": round_no})
        record.stop_reason = (
            f"lost in round {round_no}: the rounds runner exited with status {exit_status} "
            f"(Nextflow task {task_hash or '?'})"
        )
        record.write(record_path)
    return lost
