"""Quality of the LLM tasks: each side's outputs scored against the baseline's, by one implementation.

An LLM cell has no labels to score against; parity with the baseline on the same inputs is the test.
Scored against itself, the baseline gets the ideal values (cosine 1, max |delta logit| 0, agreement 1),
so the gate's usual rule (both sides past the floor, difference within the tolerance) applies as is.

sentence_embedding: predictions are one L2-normalised embedding per corpus row, scores the token ids of
every row (-1 padded). text_generation: predictions are teacher-forced logits (T x vocab) of the prompt,
scores four rows: the teacher-forced ids, the greedy ids, the top-2 logit gap at each greedy step, and
each token's negative log-likelihood over the perplexity text, a separate public-domain text the prompt
does not contain (-1 padded; a log-likelihood is never below 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

LLM_TASKS = ("sentence_embedding", "text_generation")
# A top-1 disagreement is excused when the baseline's top-2 logit gap is below this (a near tie).
NEAR_TIE = 1e-4


def _ids(row: np.ndarray) -> list[int]:
    return [int(v) for v in row if v >= 0]


def paraphrase_win_rate(emb: np.ndarray, groups: list[int]) -> float | None:
    """Fraction of paraphrase pairs (a, b) whose cosine beats a's cosine with every other paraphrase-set
    row: the semantic sanity check (a random model scores near chance, a sentence encoder near 1)."""
    g = np.asarray(groups)
    members = [np.flatnonzero(g == v) for v in np.unique(g)]
    pairs = [m for m in members if len(m) == 2]
    if not pairs:
        return None
    pool = np.concatenate(pairs)
    e = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    wins = 0
    for a, b in pairs:
        others = pool[(pool != a) & (pool != b)]
        wins += int(e[a] @ e[b] > np.max(e[others] @ e[a]))
    return wins / len(pairs)


def encoder_quality(
    split: Any, base: np.ndarray, base_ids: np.ndarray | None, cand: np.ndarray, cand_ids: np.ndarray | None
) -> dict[str, float | None]:
    if base.shape != cand.shape:
        return {"embedding_cosine_min": None, "embedding_cosine_mean": None, "token_id_agreement": None}
    nb = np.linalg.norm(base, axis=1)
    nc = np.linalg.norm(cand, axis=1)
    cos = np.sum(base.astype(np.float64) * cand, axis=1) / np.maximum(nb * nc, 1e-12)
    agree = None
    if base_ids is not None and cand_ids is not None and len(base_ids) == len(cand_ids):
        agree = float(np.mean([_ids(a) == _ids(b) for a, b in zip(base_ids, cand_ids, strict=True)]))
    groups = [int(v) for v in np.concatenate([split.y_train, split.y_test])]
    return {
        "embedding_cosine_min": float(cos.min()),
        "embedding_cosine_mean": float(cos.mean()),
        "token_id_agreement": agree,
        "n_strings": float(len(cos)),
        "paraphrase_win_rate": paraphrase_win_rate(cand, groups),
    }


def perplexity(nll_row: np.ndarray) -> float | None:
    """exp(mean negative log-likelihood) over the perplexity text's tokens (the row's -1 padding dropped)."""
    nll = np.asarray(nll_row, dtype=np.float64)
    nll = nll[nll >= 0]
    return float(np.exp(nll.mean())) if len(nll) else None


def decoder_quality(
    base: np.ndarray, base_s: np.ndarray | None, cand: np.ndarray, cand_s: np.ndarray | None
) -> dict[str, float | None]:
    out: dict[str, float | None] = {
        "logit_max_abs_diff": None,
        "top1_agreement": None,
        "greedy_agreement": None,
        "perplexity": None,
        "perplexity_rel_dev": None,
        "near_ties": None,
    }
    if base.shape != cand.shape or base_s is None or cand_s is None:
        return out
    out["logit_max_abs_diff"] = float(np.max(np.abs(base.astype(np.float64) - cand)))
    b_top, c_top = base.argmax(axis=1), cand.argmax(axis=1)
    srt = np.sort(base, axis=1)
    gap = srt[:, -1] - srt[:, -2]
    near = (b_top != c_top) & (gap < NEAR_TIE)
    out["top1_agreement"] = float(np.mean((b_top == c_top) | near))
    ties = int(near.sum())
    b_gen, c_gen, b_gap = _ids(base_s[1]), _ids(cand_s[1]), base_s[2]
    if b_gen == c_gen:
        out["greedy_agreement"] = 1.0
    else:
        k = next((i for i, (a, b) in enumerate(zip(b_gen, c_gen, strict=False)) if a != b), min(len(b_gen), len(c_gen)))
        if k < len(b_gap) and 0 <= b_gap[k] < NEAR_TIE:
            out["greedy_agreement"], out["greedy_near_tie_at"] = 1.0, float(k)
            ties += 1
        else:
            out["greedy_agreement"] = k / max(len(b_gen), 1)
    if len(base_s) > 3 and len(cand_s) > 3:
        pb, pc = perplexity(base_s[3]), perplexity(cand_s[3])
        out["perplexity"] = pc
        if (base_s[3] >= 0).sum() != (cand_s[3] >= 0).sum():
            pc = None  # not the same text
    else:
        pb = pc = None
    out["perplexity_rel_dev"] = abs(pc / pb - 1.0) if pb and pc else None
    out["near_ties"] = float(ties)
    return out


def paired_quality(
    task: str,
    split: Any,
    base: np.ndarray,
    base_scores: np.ndarray | None,
    cand: np.ndarray,
    cand_scores: np.ndarray | None,
) -> dict[str, float | None]:
    if task == "sentence_embedding":
        return encoder_quality(split, base, base_scores, cand, cand_scores)
    if task == "text_generation":
        return decoder_quality(base, base_scores, cand, cand_scores)
    raise KeyError(f"no paired quality for task {task!r}; allowed: {', '.join(LLM_TASKS)}")
