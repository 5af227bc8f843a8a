"""The three-way decomposition of a speed ratio where a Rust library is timed three ways: natively, through a
Python binding, and against the domain's Python baseline.

Which frameworks form such a triple comes from the catalogue, not from names here: a Python framework whose
frameworks.yaml entry names a `crate` is a binding of the Rust framework with the same `crate` (linfa-py and
linfa both say `crate: linfa`), and the reference is the domain's baseline (the first side of its cells).
Each effect is a time ratio with its interval and outcome, taken from the run's comparisons:
  library            = binding / baseline   (Python around both)
  boundary + process = native / binding     (the same Rust code, in a native process or behind the binding)
  total              = native / baseline
library x boundary = total, up to the estimates' rounding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

COLUMNS = [
    "cell_id",
    "domain",
    "task",
    "algorithm",
    "dataset",
    "phase",
    "effect",
    "candidate",
    "reference",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "outcome",
    "p_holm",
    "verdict",
]
FLIP = {"faster": "slower", "slower": "faster"}


@dataclass(frozen=True)
class Triple:
    domain: str
    baseline: str  # the domain's Python baseline
    binding: str  # a Python framework over a Rust crate
    native: str  # the Rust framework over the same crate

    def effects(self) -> tuple[tuple[str, str, str], ...]:
        """(effect, candidate, reference) of the three ratios."""
        return (
            ("library", self.binding, self.baseline),
            ("boundary + process", self.native, self.binding),
            ("total", self.native, self.baseline),
        )


def triples(selection: dict[str, Any]) -> list[Triple]:
    """Every (baseline, binding, native) triple the run's cells have, read from the cells' sides: their
    language and the `crate` the catalogue gives them."""
    sides: dict[str, dict[str, dict[str, Any]]] = {}
    baselines: dict[str, str] = {}
    for cell in selection.get("cells", []):
        frameworks = cell.get("frameworks") or []
        if frameworks:
            baselines.setdefault(cell["domain"], frameworks[0]["name"])
        for fw in frameworks:
            sides.setdefault(cell["domain"], {})[fw["name"]] = fw
    out = []
    for domain, named in sorted(sides.items()):
        baseline = baselines[domain]
        for binding, b in sorted(named.items()):
            if b.get("language") != "python" or not b.get("crate") or binding == baseline:
                continue
            for native, n in sorted(named.items()):
                if n.get("language") == "rust" and n.get("crate") == b["crate"]:
                    out.append(Triple(domain, baseline, binding, native))
    return out


def _effect(g: pd.DataFrame, cand: str, ref: str) -> dict[str, Any] | None:
    """The comparison of cand against ref in one (cell, phase), turned round when the run has it the other
    way (ratio and interval inverted, faster and slower swapped)."""
    hit = g[(g["candidate"] == cand) & (g["reference"] == ref)]
    if len(hit):
        r = hit.iloc[0]
        return {k: r[k] for k in ("ratio", "ratio_ci_low", "ratio_ci_high", "outcome", "p_holm", "verdict")}
    inv = g[(g["candidate"] == ref) & (g["reference"] == cand)]
    if not len(inv):
        return None
    r = inv.iloc[0]
    outcome = FLIP.get(r["outcome"], r["outcome"])
    return {
        "ratio": 1 / r["ratio"],
        "ratio_ci_low": 1 / r["ratio_ci_high"],
        "ratio_ci_high": 1 / r["ratio_ci_low"],
        "outcome": outcome,
        "p_holm": r["p_holm"],
        "verdict": f"{cand} {outcome}" if outcome in FLIP else outcome,
    }


def decomposition_table(comparisons: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """The three effects per cell and phase of every triple whose three comparisons the run has."""
    found = triples(selection)
    if comparisons.empty or not found:
        return pd.DataFrame(columns=COLUMNS)
    cmp = comparisons[comparisons["kind"] == "pair"] if "kind" in comparisons else comparisons
    rows = []
    for t in found:
        for (cell, phase), g in cmp[cmp["domain"] == t.domain].groupby(["cell_id", "phase"], sort=True):
            effects = {effect: _effect(g, cand, ref) for effect, cand, ref in t.effects()}
            if any(e is None for e in effects.values()):
                continue
            first = g.iloc[0]
            for effect, cand, ref in t.effects():
                rows.append(
                    {
                        "cell_id": cell,
                        "domain": t.domain,
                        "task": first["task"],
                        "algorithm": first["algorithm"],
                        "dataset": first["dataset"],
                        "phase": phase,
                        "effect": effect,
                        "candidate": f"{effect}: {cand}",
                        "reference": ref,
                        **(effects[effect] or {}),
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)
