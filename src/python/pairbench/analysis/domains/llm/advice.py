"""The LLM advice: per model and pair of sides, which side to use for embedding and for generation, and the
(batch, threads, length) settings where the answer flips, from the run's pair outcomes. Only `faster` and
`slower` verdicts decide a setting; `equivalent` and `inconclusive` settings are named apart, never counted
as a win or as a tie."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pairbench.analysis.domains.llm.serving import cells_of, setting_label

# task -> (what a user does with it, the phase that decides it, what else the line reports)
ADVICE = {
    "sentence_embedding": ("embedding", "end_to_end", None),
    "text_generation": ("generation", "decode_token", "prefill"),
}
ADVICE_COLUMNS = [
    "use",
    "algorithm",
    "phase",
    "candidate",
    "reference",
    "side",
    "n_settings",
    "n_wins",
    "n_equivalent",
    "n_inconclusive",
    "flips",
    "line",
]


@dataclass(frozen=True)
class Setting:
    key: tuple[float, ...]  # (threads, batch, lengths): the order settings are listed in
    label: str
    outcome: str  # the pair's outcome at this setting
    winner: str  # the side a faster/slower verdict names, "" otherwise
    speedup: float  # the winner's speed-up (1 when no winner)


def settings_of(g: pd.DataFrame, cells: dict[str, tuple[dict[str, Any], Any]]) -> list[Setting]:
    """Every comparison row of one phase as a setting, sorted by (threads, batch, length)."""
    out = []
    for _, r in g.iterrows():
        p, threads = cells.get(r["cell_id"], ({}, None))
        key = tuple(
            float(v)
            for v in (threads or 0, *(p.get(k, 0) for k in ("batch_size", "seq_len", "prompt_len", "new_tokens")))
        )
        label, speedup = setting_label(p, threads), float(r["speedup"])
        if r["outcome"] == "faster":
            out.append(Setting(key, label, "faster", str(r["candidate"]), speedup))
        elif r["outcome"] == "slower":
            out.append(Setting(key, label, "slower", str(r["reference"]), 1 / speedup))
        else:
            out.append(Setting(key, label, str(r["outcome"]), "", 1.0))
    return sorted(out, key=lambda s: s.key)


@dataclass(frozen=True)
class PhaseAdvice:
    side: str  # the side faster in most decided settings, "" when none or a draw
    text: str
    wins: int
    flips: list[str]


def phase_advice(settings: list[Setting]) -> PhaseAdvice:
    """The sentence for one phase: the side that won most decided settings (if one did), where the other
    side won, and which settings were equivalent and which inconclusive, each named."""
    wins = Counter(s.winner for s in settings if s.winner)
    undecided = []
    for outcome in ("equivalent", "inconclusive"):
        names = [s.label for s in settings if s.outcome == outcome]
        if names:
            undecided.append(f"{outcome} at {'; '.join(names)}")
    if not wins:
        counts = Counter(s.outcome for s in settings)
        text = (
            f"no side decided faster in any of {len(settings)} settings ({counts['equivalent']} equivalent, "
            f"{counts['inconclusive']} inconclusive)"
        )
        return PhaseAdvice("", "; ".join([text, *undecided]), 0, [])
    (side, n), *rest = wins.most_common()
    if rest and rest[0][1] == n:  # as many settings each way: no overall answer, only the settings
        side = ""
    flips = [f"{s.label} ({s.winner} {s.speedup:.3g}x faster)" for s in settings if s.winner and s.winner != side]
    if side:
        best = max((s for s in settings if s.winner == side), key=lambda s: s.speedup)
        text = f"{side}: faster in {n} of {len(settings)} settings (up to {best.speedup:.3g}x at {best.label})"
        text += f"; the answer flips at {'; '.join(flips)}" if flips else "; no setting flips it"
    else:
        text = f"it depends on the setting: {', '.join(f'{k} in {v}' for k, v in wins.most_common())} of "
        text += f"{len(settings)}; {'; '.join(flips)}"
    return PhaseAdvice(side, "; ".join([text, *undecided]), n, flips)


def llm_advice(comparisons: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """For each LLM model and pair of sides: which side to use for embedding (end-to-end batch latency) and for
    generation (decode tokens/s; time to first token reported beside it), and the (batch, threads, length)
    settings where the other side wins. Only the verdicts of the run's pairs count (the four outcomes at the run's
    margin, as every comparison): a setting without a faster or slower verdict wins for neither side."""
    if comparisons.empty or "domain" not in comparisons:
        return pd.DataFrame(columns=ADVICE_COLUMNS)
    cells = cells_of(selection)
    rows = []
    llm = comparisons[comparisons["domain"] == "llm"]
    if "kind" in llm:
        llm = llm[llm["kind"] == "pair"]  # an A/A arm against itself advises nothing
    # One line per pair: with three sides (tch encodes too) a candidate meets two references.
    for (task, algo, cand, ref), g in llm.groupby(["task", "algorithm", "candidate", "reference"], sort=True):
        if task not in ADVICE:
            continue
        use, phase, aside = ADVICE[str(task)]
        settings = settings_of(g[g["phase"] == phase], cells)
        if not settings:
            continue
        advice = phase_advice(settings)
        line = f"{use} with {algo} ({cand} vs {ref}, {phase}): " + (
            f"use {advice.text}" if advice.side else advice.text
        )
        if aside and (other := settings_of(g[g["phase"] == aside], cells)):
            line += f". Time to first token: {phase_advice(other).text}"
        rows.append(
            {
                "use": use,
                "algorithm": algo,
                "phase": phase,
                "candidate": cand,
                "reference": ref,
                "side": advice.side or "depends",
                "n_settings": len(settings),
                "n_wins": advice.wins,
                "n_equivalent": sum(s.outcome == "equivalent" for s in settings),
                "n_inconclusive": sum(s.outcome == "inconclusive" for s in settings),
                "flips": "; ".join(advice.flips),
                "line": line,
            }
        )
    return pd.DataFrame(rows, columns=ADVICE_COLUMNS)
