"""What a comparison compares: the same algorithm on both sides, or each ecosystem's best available way.

- `same_algorithm`: both sides run the same method with the same stopping rule (scikit-learn's coordinate
  descent against linfa's): a difference is the language's and the library's. Language verdicts, the
  rankings and the readiness words use only these.
- `best_available`: each ecosystem's usual way to solve the task (scikit-learn's closed-form ridge against
  linfa's coordinate descent): what a user choosing a stack wants to know, reported in a table of its own
  and said to be so, never counted as a language result.

The catalogue sets it per algorithm (`comparison: {kind, sides, why}`, config/benchmarks.yaml); `sides`
names the sides whose method differs (ridge: scikit-learn), so that the other pairs of the same cell (linfa
against linfa-py: the same Rust code) stay same-algorithm. Phase 1 writes it into every cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SAME_ALGORITHM = "same_algorithm"
BEST_AVAILABLE = "best_available"
KINDS = (SAME_ALGORITHM, BEST_AVAILABLE)


@dataclass(frozen=True)
class ComparisonSpec:
    kind: str = SAME_ALGORITHM
    sides: tuple[str, ...] = ()  # with best_available: the sides whose method differs (empty: all)
    why: str = ""

    def pair_kind(self, candidate: str, reference: str) -> str:
        """The kind of one pair of the cell (an A/A arm `side#b` counts as its side)."""
        if self.kind != BEST_AVAILABLE:
            return SAME_ALGORITHM
        names = {candidate.split("#", 1)[0], reference.split("#", 1)[0]}
        return BEST_AVAILABLE if not self.sides or names & set(self.sides) else SAME_ALGORITHM

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "sides": list(self.sides), "why": self.why}

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> ComparisonSpec:
        doc = doc or {}
        return cls(str(doc.get("kind", SAME_ALGORITHM)), tuple(doc.get("sides") or ()), str(doc.get("why", "")))
