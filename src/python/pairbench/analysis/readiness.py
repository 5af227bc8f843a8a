"""Readiness: one word per (domain, Rust framework), decided by a stated rule from the numbers its sentence
quotes, and the report's first-screen sentence per domain.

The rule reads only facts of this run about the framework against the domain's baseline:
- speed: its same-algorithm comparisons (`kind` pair, `comparison_kind` same_algorithm) against the baseline.
  Only decided ones count (faster, equivalent, slower); inconclusive ones count for nothing and are named.
  Best-available comparisons run different methods on the two sides and are not a language's result.
- quality: the quality gate's pairs against the baseline in the domain's cells (passed or not).
Words:
- `not judged`: the run is a functional check (fixture models: the smoke profile), or fewer than MIN_DECIDED
  comparisons were decided and the gate did not already fail;
- `not ready`: the gate passed in fewer than half of its pairs, or fewer than PARTLY_SHARE of the decided
  comparisons are faster or equivalent;
- `ready`: the gate passed in every pair and at least READY_SHARE of the decided comparisons are faster or
  equivalent;
- `partly ready`: otherwise (the gate passed in at least half of its pairs, and at least PARTLY_SHARE are
  faster or equivalent).

A functional check is a run whose selected cells include a fixture model (the catalogue's `fixture: true`,
recorded by phase 1 in selection.json `fixtures`): seeded random models such as tiny_bert and tiny_llama, which
`--algorithms all` (standard, full) leaves out and the smoke profile names. Timings of random fixture models say
nothing about a framework, so no readiness word is given on such a run; readiness is judged on `standard`. The
calibration domain's known-effect fixture, which A/A runs add, is the verdict design's check and does not make
a run a functional check (nor is the calibration domain judged)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pairbench.analysis.calibration import KNOWN_EFFECT_DOMAIN

READY_SHARE = 0.8
PARTLY_SHARE = 0.5
MIN_DECIDED = 3
RULE = {"ready_share": READY_SHARE, "partly_share": PARTLY_SHARE, "min_decided": MIN_DECIDED}
RULE_TEXT = (
    "Readiness is decided per Rust framework against the domain's baseline, from this run's same-algorithm "
    "comparisons and quality gate only. Decided comparisons are those faster, equivalent or slower; inconclusive "
    "ones count for nothing and are named. "
    f"ready: the quality gate passed in every pair and at least {READY_SHARE:.0%} of at least {MIN_DECIDED} decided "
    f"comparisons are faster or equivalent; partly ready: the gate passed in at least half of its pairs and at "
    f"least {PARTLY_SHARE:.0%} of at least {MIN_DECIDED} decided comparisons are faster or equivalent; not ready: "
    f"the gate passed in fewer than half of its pairs, or fewer than {PARTLY_SHARE:.0%} of at least {MIN_DECIDED} "
    f"decided comparisons are faster or equivalent; not judged: fewer than {MIN_DECIDED} decided comparisons, or "
    "a functional check (fixture models such as the smoke profile's): readiness is judged on a standard run."
)
DOMAIN_WORDS = {"classical_ml": "classical ML", "deep_learning": "deep learning", "rl": "RL", "llm": "LLM"}
COLUMNS = [
    "domain",
    "framework",
    "baseline",
    "n_same_algorithm",
    "n_decided",
    "n_faster",
    "n_equivalent",
    "n_slower",
    "n_inconclusive",
    "inconclusive",
    "n_best_available",
    "gate_passed",
    "gate_pairs",
    "functional_check",
    "readiness",
    "statement",
    "line",
]
FIRST_SCREEN_COLUMNS = ["domain", "line"]
NAMED_INCONCLUSIVE = 3  # a sentence names this many inconclusive comparisons; the table names all


@dataclass(frozen=True)
class Counts:
    faster: int
    equivalent: int
    slower: int
    inconclusive: int
    gate_passed: int
    gate_pairs: int

    @property
    def decided(self) -> int:
        return self.faster + self.equivalent + self.slower


def readiness_word(c: Counts, functional_check: bool) -> str:
    """The rule of the module docstring, on the counts a sentence quotes."""
    if functional_check:
        return "not judged"
    gate_failed = c.gate_pairs > 0 and c.gate_passed < c.gate_pairs / 2
    if gate_failed:
        return "not ready"
    if c.decided < MIN_DECIDED:
        return "not judged"
    share = (c.faster + c.equivalent) / c.decided
    if share < PARTLY_SHARE:
        return "not ready"
    if share >= READY_SHARE and c.gate_passed == c.gate_pairs:
        return "ready"
    return "partly ready"


def fixture_models(selection: dict[str, Any]) -> list[str]:
    """The fixture models among the run's cells outside the calibration domain (phase 1's `fixtures`)."""
    fixtures = set(selection.get("fixtures") or [])
    return sorted(
        {c["algorithm"] for c in selection.get("cells", []) if c["algorithm"] in fixtures}
        - {c["algorithm"] for c in selection.get("cells", []) if c["domain"] == KNOWN_EFFECT_DOMAIN}
    )


def _sides(selection: dict[str, Any], comparisons: pd.DataFrame) -> dict[str, tuple[str, list[str]]]:
    """domain -> (baseline, its Rust frameworks): from the cells (baseline first), else from the comparisons
    (the baseline is the reference that is never a candidate)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for cell in selection.get("cells", []):
        fws = cell.get("frameworks") or []
        if not fws or cell["domain"] == KNOWN_EFFECT_DOMAIN:
            continue
        _, rust = out.setdefault(cell["domain"], (fws[0]["name"], []))
        rust.extend(f["name"] for f in fws if f.get("language") == "rust" and f["name"] not in rust)
    if out or comparisons.empty:
        return out
    for domain, g in comparisons.groupby("domain"):
        refs = sorted(set(g["reference"]) - set(g["candidate"]))
        if refs and domain != KNOWN_EFFECT_DOMAIN:
            rust = sorted(set(g.loc[g["candidate_language"] == "rust", "candidate"]))
            out[str(domain)] = (refs[0], rust)
    return out


def _label(r: pd.Series) -> str:
    return f"{r['algorithm']}/{r['dataset']} {r['phase']}"


def _gate(quality_parity: pd.DataFrame, cells: set[str], fw: str, base: str) -> tuple[int, int]:
    if quality_parity.empty or "candidate" not in quality_parity:
        return 0, 0
    qp = quality_parity[
        (quality_parity["candidate"] == fw)
        & (quality_parity["baseline"] == base)
        & quality_parity["cell_id"].isin(cells)
    ]
    passed = int((qp["comparable"].astype(str).str.lower() == "true").sum())
    return passed, len(qp)


def statement(fw: str, base: str, c: Counts, names: Sequence[str], word: str, functional_check: bool = False) -> str:
    """The word, then the numbers that give it: nothing the rule does not read."""
    why = ""
    if word == "not judged":
        why = " (a functional check)" if functional_check else f" (fewer than {MIN_DECIDED} decided comparisons)"
    if c.decided + c.inconclusive == 0:
        speed = f"no same-algorithm comparison with {base}"
    elif c.decided == 0:
        speed = f"no decided same-algorithm comparison with {base}"
    else:
        speed = (
            f"against {base}, faster in {c.faster}, equivalent in {c.equivalent} and slower in {c.slower} of "
            f"{c.decided} decided same-algorithm comparisons"
        )
    if c.inconclusive:
        shown = ", ".join(names[:NAMED_INCONCLUSIVE])
        more = f" and {len(names) - NAMED_INCONCLUSIVE} more" if len(names) > NAMED_INCONCLUSIVE else ""
        speed += f" ({c.inconclusive} inconclusive: {shown}{more})"
    gate = f"quality gate passed in {c.gate_passed} of {c.gate_pairs} pairs" if c.gate_pairs else "no gated pair"
    return f"{fw} is {word}{why}: {speed}; {gate}"


def readiness_table(
    comparisons: pd.DataFrame,
    quality_parity: pd.DataFrame,
    selection: dict[str, Any],
    cell_domains: dict[str, str],
) -> pd.DataFrame:
    """One row per (domain, Rust framework): the counts the rule reads, the word and the sentence."""
    functional = bool(fixture_models(selection))
    cmp = (
        comparisons if not comparisons.empty else pd.DataFrame(columns=["domain", "candidate", "reference", "outcome"])
    )
    if "kind" in cmp:
        cmp = cmp[cmp["kind"] == "pair"]
    rows = []
    for domain, (base, rust) in sorted(_sides(selection, comparisons).items()):
        cells = {c for c, d in cell_domains.items() if d == domain}
        for fw in rust:
            mine = cmp[(cmp["domain"] == domain) & (cmp["candidate"] == fw) & (cmp["reference"] == base)]
            kind = mine["comparison_kind"] if "comparison_kind" in mine else pd.Series("same_algorithm", mine.index)
            same = mine[kind == "same_algorithm"]
            undecided = same[same["outcome"] == "inconclusive"]
            passed, pairs = _gate(quality_parity, cells, fw, base)
            c = Counts(
                *(int((same["outcome"] == o).sum()) for o in ("faster", "equivalent", "slower", "inconclusive")),
                passed,
                pairs,
            )
            names = [_label(r) for _, r in undecided.iterrows()]
            word = readiness_word(c, functional)
            said = statement(fw, base, c, names, word, functional)
            rows.append(
                {
                    "domain": domain,
                    "framework": fw,
                    "baseline": base,
                    "n_same_algorithm": len(same),
                    "n_decided": c.decided,
                    "n_faster": c.faster,
                    "n_equivalent": c.equivalent,
                    "n_slower": c.slower,
                    "n_inconclusive": c.inconclusive,
                    "inconclusive": "; ".join(names),
                    "n_best_available": len(mine) - len(same),
                    "gate_passed": passed,
                    "gate_pairs": pairs,
                    "functional_check": functional,
                    "readiness": word,
                    "statement": said,
                    "line": f"{DOMAIN_WORDS.get(domain, domain)}: {said}.",
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def first_screen_table(readiness: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """The first screen's sentences: on a functional check one that says so, then one per domain (its Rust
    frameworks' sentences joined)."""
    rows = []
    if fixtures := fixture_models(selection):
        rows.append(
            {
                "domain": "",
                "line": f"Smoke run: a functional check on fixture models ({', '.join(fixtures)}) that shows the "
                "pipeline works end to end. Its timings judge no framework: readiness is judged on a `standard` run.",
            }
        )
    for domain, g in readiness.groupby("domain", sort=True):
        rows.append(
            {"domain": domain, "line": f"{DOMAIN_WORDS.get(str(domain), domain)}: {'; '.join(g['statement'])}."}
        )
    return pd.DataFrame(rows, columns=FIRST_SCREEN_COLUMNS)


def readiness_tables(
    comparisons: pd.DataFrame,
    quality_parity: pd.DataFrame,
    selection: dict[str, Any],
    validations: Sequence[dict[str, Any]],
) -> dict[str, pd.DataFrame]:
    cell_domains = {c["cell_id"]: c["domain"] for c in selection.get("cells", [])}
    cell_domains.update({v["cell_id"]: v["domain"] for v in validations if "domain" in v})
    readiness = readiness_table(comparisons, quality_parity, selection, cell_domains)
    return {"readiness": readiness, "first_screen": first_screen_table(readiness, selection)}
