"""The measurement protocol's settings: the one source both harnesses apply.

Phase 1 writes these values into every cell file (`protocol`), and both the Python worker
(harness/protocol.py) and every Rust binary (pairbench-core runner.rs, which has no defaults of its
own) read them from there; each result records the values it ran with (`metadata.protocol`). So the
two sides of a comparison cannot batch, warm up or stop at different points.
tests/fixtures/protocol_vectors.json holds both implementations to the same decisions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Protocol:
    # A sample shorter than this is dominated by timer and scheduling jitter (perf_counter_ns costs
    # 60-70 ns, Instant ~20 ns): shorter calls are timed in batches and each sample is the batch's
    # mean, on both sides alike.
    sample_floor_s: float = 100e-6
    # Warm-up: at least `warmup` calls and, when any are asked for, until this long has run (pyperf
    # discards at least 100 ms of loops) ...
    warmup_min_s: float = 0.1
    # ... but never more than this many calls ...
    warmup_max_calls: int = 1000
    # ... and it ends once this long has run (after one call): a long call has paid its one-off costs.
    warmup_max_s: float = 1.0
    # A phase stops taking samples once they add up to this and it has `min_samples` repetitions
    # (criterion's measurement time); only calls of a second or more reach it.
    phase_budget_s: float = 10.0
    min_samples: int = 5
    max_batch: int = 10_000

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: Any, where: str = "cell") -> Protocol:
        """The settings in a cell's `protocol` object; every missing, unknown or mistyped key is named."""
        if not isinstance(doc, dict):
            raise ValueError(f"{where}: protocol: expected an object, got {type(doc).__name__}")
        known = {f.name: f.type for f in fields(cls)}
        problems = [f"protocol.{k}: missing" for k in known if k not in doc]
        problems += [f"protocol.{k}: unknown key; allowed: {', '.join(known)}" for k in doc if k not in known]
        for name, value in doc.items():
            want = int if known.get(name) == "int" else float
            if name in known and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or (want is int and value != int(value))
            ):
                problems.append(f"protocol.{name}: expected {want.__name__}, got {value!r}")
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))
        return cls(**{k: (int(v) if known[k] == "int" else float(v)) for k, v in doc.items()})
