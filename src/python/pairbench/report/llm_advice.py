"""The LLM executive-summary advice: per model, which side to use for embedding and for generation, and
the (batch, threads, length) settings where the answer flips, from the run's pair outcomes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from pairbench.report.formatting import times
from pairbench.report.llm import cells_of, setting_label

# task -> (what a user does with it, the phase that decides it, what else the line reports)
ADVICE = {
    "sentence_embedding": ("embedding", "end_to_end", None),
    "text_generation": ("generation", "decode_token", "prefill"),
}
ADVICE_COLUMNS = ["use", "algorithm", "phase", "side", "n_settings", "n_wins", "flips", "line"]


def _winners(
    g: pd.DataFrame, cells: dict[str, tuple[dict[str, Any], Any]]
) -> list[tuple[tuple[Any, ...], str, str, float]]:
    """Per setting, sorted by (threads, batch, length): (sort key, setting, winner or "", its speed-up)."""
    out = []
    for _, r in g.iterrows():
        p, threads = cells.get(r["cell_id"], ({}, None))
        key = (threads or 0, *(p.get(k, 0) for k in ("batch_size", "seq_len", "prompt_len", "new_tokens")))
        speedup = float(r["speedup"])
        if r["outcome"] == "faster":
            out.append((key, setting_label(p, threads), str(r["candidate"]), speedup))
        elif r["outcome"] == "slower":
            out.append((key, setting_label(p, threads), str(r["reference"]), 1 / speedup))
        else:
            out.append((key, setting_label(p, threads), "", 1.0))
    return sorted(out, key=lambda w: tuple(float(v) for v in w[0]))


def _phase_text(ws: list[tuple[tuple[Any, ...], str, str, float]]) -> tuple[str, str, int, list[str]]:
    """(overall side or "", the sentence, its wins, the settings where another side wins)."""
    wins = Counter(w for _, _, w, _ in ws if w)
    if not wins:
        return "", f"no side decided faster in any of {len(ws)} settings (equivalent or inconclusive)", 0, []
    (side, n), *rest = wins.most_common()
    if rest and rest[0][1] == n:  # as many settings each way: no overall answer, only the settings
        side = ""
    best = max((w for w in ws if w[2] == side), key=lambda w: w[3], default=None)
    flips = [f"{s} ({w} {times(x)} faster)" for _, s, w, x in ws if w and w != side]
    ties = [s for _, s, w, _ in ws if not w]
    head = (
        f"{side}: faster in {n} of {len(ws)} settings (up to {times(best[3])} at {best[1]})"
        if side and best
        else f"it depends on the setting: {', '.join(f'{k} in {v}' for k, v in wins.most_common())} of {len(ws)}"
    )
    tail = f"; the answer flips at {'; '.join(flips)}" if side and flips else ""
    if side and not flips:
        tail = "; no setting flips it"
    if not side:
        tail = f"; {'; '.join(flips)}"
    if ties:
        tail += f"; equivalent or inconclusive at {'; '.join(ties)}"
    return side, head + tail, n, flips


def llm_advice(comparisons: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """For each LLM model and candidate pair: which side to use for embedding (end-to-end batch latency) and for
    generation (decode tokens/s; time to first token reported beside it), and the (batch, threads, length)
    settings where the other side wins. Only the verdicts of the run's pairs count (the four outcomes at the run's
    margin, as every comparison): a setting without a faster or slower verdict wins for neither side."""
    if comparisons.empty or "domain" not in comparisons:
        return pd.DataFrame(columns=ADVICE_COLUMNS)
    cells = cells_of(selection)
    rows = []
    llm = comparisons[comparisons["domain"] == "llm"]
    # One line per pair: with three sides (tch encodes too) a candidate meets two references.
    for (task, algo, cand, ref), g in llm.groupby(["task", "algorithm", "candidate", "reference"], sort=True):
        if task not in ADVICE:
            continue
        use, phase, aside = ADVICE[str(task)]
        ws = _winners(g[g["phase"] == phase], cells)
        if not ws:
            continue
        side, text, n, flips = _phase_text(ws)
        line = f"{use} with {algo} ({cand} vs {ref}, {phase}): " + (f"use {text}" if side else text)
        if aside and (a := _winners(g[g["phase"] == aside], cells)):
            line += f". Time to first token: {_phase_text(a)[1]}"
        rows.append(
            {
                "use": use,
                "algorithm": algo,
                "phase": phase,
                "side": side or "depends",
                "n_settings": len(ws),
                "n_wins": n,
                "flips": "; ".join(flips),
                "line": line,
            }
        )
    return pd.DataFrame(rows, columns=ADVICE_COLUMNS)
