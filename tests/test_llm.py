"""The LLM domain on the seeded tiny models: corpus bytes, tokenizer parity, encoder cosine,
teacher-forced decoder logits and greedy ids (transformers vs the real candle-transformers binary, and
the tch encoder), and the gate refusing a side that is deliberately wrong (candle's old RoPE default)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pairbench.core.cells import Cell
from pairbench.core.paths import rust_target_dir
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import ChecksumError, DatasetSpec, load_verified, materialise
from pairbench.datasets.text import decode_rows, encode_rows, text_corpus
from pairbench.experiment.gate import apply_gate
from pairbench.experiment.validation import validate_cell
from pairbench.metrics.llm import paired_quality
from pairbench.tasks.llm.models import materialise_model
from pairbench.tasks.llm.spec import (
    GATE_TOKENS,
    PERPLEXITY_TOKENS,
    corpus_rows,
    decoder_text,
    model_dir,
    perplexity_text,
    verified_model,
)

TRANSFORMERS = {"name": "transformers", "language": "python", "backend": "PyTorch", "package": "transformers"}
CANDLE = {"name": "candle-transformers", "language": "rust", "backend": "pure Rust", "binary": "pairbench-llm-candle"}
TCH = {"name": "tch", "language": "rust", "backend": "libtorch", "binary": "pairbench-tch"}
ENCODER_GATE = {
    "metric": "embedding_cosine_min",
    "tolerance": 1e-4,
    "floor": 0.9999,
    "also": [{"metric": "token_id_agreement", "tolerance": 0.0, "floor": 1.0}],
}
DECODER_GATE = {
    "metric": "logit_max_abs_diff",
    "tolerance": 1e-3,
    "floor": 1e-3,
    "higher_is_better": False,
    "also": [
        {"metric": "top1_agreement", "tolerance": 0.0, "floor": 1.0},
        {"metric": "greedy_agreement", "tolerance": 0.0, "floor": 1.0},
        {"metric": "perplexity_rel_dev", "tolerance": 0.005, "floor": 0.005, "higher_is_better": False},
    ],
}


@pytest.fixture(scope="module")
def llm_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = rust_target_dir() / "release" / "pairbench-llm-candle"
    if not binary.exists():
        pytest.fail(f"{binary} missing: run `make setup` (cargo build --release) first")
    root = tmp_path_factory.mktemp("llm")
    materialise(
        DatasetSpec("text_corpus", "text_corpus", "text", False, {"n_generated": 240}),
        root / "text_corpus",
        seed=42,
        test_fraction=0.2,
        dtype="float64",
    )
    for model in ("tiny_bert", "tiny_llama"):
        materialise_model(root, model, seed=42)
    return root


def _cell(
    tmp: Path,
    task: str,
    algorithm: str,
    params: dict[str, Any],
    gate: dict[str, Any],
    sides: tuple[dict[str, str], ...] = (TRANSFORMERS, CANDLE),
    *,
    samples: int = 1,
    warmup: int = 0,
) -> Path:
    cell = Cell(
        threads=1,
        run_id="test",
        domain="llm",
        task=task,
        algorithm=algorithm,
        dataset="text_corpus",
        params={**params, "device": "cpu"},
        frameworks=list(sides),
        dtype="float32",
        samples=samples,
        warmup=warmup,
        quality_gate=gate,
    )
    return cell.write(tmp / "cells")


def test_corpus_round_trips_and_is_varied() -> None:
    X, y = text_corpus(42)
    texts = decode_rows(X)
    assert len(texts) >= 200 and len(set(texts)) == len(texts)
    assert np.array_equal(encode_rows(texts), X)
    joined = "".join(texts)
    for needle in ("東京", "🚀", "Привет", "\t", "antidisestablishmentarianism", "Beautiful is better than ugly."):
        assert needle in joined
    assert any(ch.isdigit() for ch in joined)
    assert len(np.unique(y)) < len(y)  # paraphrase pairs share a group


def test_models_are_checksummed(llm_data: Path, tmp_path: Path) -> None:
    manifest = verified_model(llm_data, "tiny_bert").manifest
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= set(manifest["files"])
    # Built from the pinned weight package (its tokenizer), checked before it was read.
    assert manifest["weight_package"]["verified"] and manifest["weight_package"]["version"] == "0.1.0"
    # A second materialisation is a no-op with the same bytes (fixed seed).
    before = manifest["sha256"]
    materialise_model(llm_data, "tiny_bert", seed=42)
    assert verified_model(llm_data, "tiny_bert").manifest["sha256"] == before
    # Tampered weights are refused.
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(model_dir(llm_data, "tiny_bert"), model_dir(copy, "tiny_bert"))
    weights = model_dir(copy, "tiny_bert") / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 1
    weights.write_bytes(bytes(raw))
    with pytest.raises(ChecksumError):
        verified_model(copy, "tiny_bert")


def test_encoder_gate_tokenizer_parity_and_cosine(llm_data: Path, tmp_path: Path) -> None:
    cell = _cell(
        tmp_path,
        "sentence_embedding",
        "tiny_bert",
        {"batch_size": 8, "seq_len": 32, "latency_repeats": 1},
        ENCODER_GATE,
    )
    report = validate_cell(cell, llm_data, tmp_path / "work")
    cand = report["sides"]["candle-transformers"]
    assert cand["ok"], cand.get("error")
    q = cand["quality"]
    assert q["n_strings"] >= 200
    assert q["token_id_agreement"] == 1.0
    assert q["embedding_cosine_min"] >= 0.9999
    assert report["comparable"], report["reasons"]


def _tch_binary() -> Path:
    path = rust_target_dir() / "release" / "pairbench-tch"
    if not path.exists():
        pytest.fail(f"{path} missing: run `make setup` (it builds pairbench-tch when torch imports)")
    return path


def test_tch_encoder_matches_transformers(llm_data: Path, tmp_path: Path) -> None:
    """The BERT written once over deep-common's Ops (src/rust/llm-common), run by pairbench-tch on libtorch,
    passes the same gate as candle-transformers: identical token ids and per-string cosine >= 0.9999, on a
    batch with padding (seq_len 32 pads the short corpus strings, so the attention mask is exercised)."""
    _tch_binary()
    cell = _cell(
        tmp_path,
        "sentence_embedding",
        "tiny_bert",
        {"batch_size": 8, "seq_len": 32, "latency_repeats": 1},
        ENCODER_GATE,
        (TRANSFORMERS, TCH),
    )
    report = validate_cell(cell, llm_data, tmp_path / "work")
    tch = report["sides"]["tch"]
    assert tch["ok"], tch.get("error")
    q = tch["quality"]
    assert q["n_strings"] >= 200 and q["token_id_agreement"] == 1.0
    assert q["embedding_cosine_min"] >= 0.9999, q
    assert report["comparable"], report["reasons"]
    work = tmp_path / "work"
    ours = np.load(work / f"{Path(cell).stem}.tch.predictions.npy")
    base = np.load(work / f"{Path(cell).stem}.transformers.predictions.npy")
    assert ours.shape == base.shape and ours.shape[1] == 32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_tch_has_no_decoder_and_fails_as_data(llm_data: Path, tmp_path: Path) -> None:
    """tch implements sentence embeddings only: its capabilities say so, and a text_generation cell given to
    it is a failed side with the reason (not comparable), not a crash of the validation."""
    caps = json.loads(subprocess.run([str(_tch_binary()), "capabilities"], capture_output=True, check=True).stdout)
    assert caps["domains"]["llm"] == {"sentence_embedding": ["minilm_l6", "tiny_bert"]}
    cell = _cell(
        tmp_path,
        "text_generation",
        "tiny_llama",
        {"prompt_len": 32, "new_tokens": 4},
        DECODER_GATE,
        (TRANSFORMERS, TCH),
    )
    report = validate_cell(cell, llm_data, tmp_path / "work")
    tch = report["sides"]["tch"]
    assert not tch["ok"] and 'task "text_generation" not implemented by the tch side' in tch["error"]
    assert not report["comparable"]


def test_decoder_gate_teacher_forced_logits(llm_data: Path, tmp_path: Path) -> None:
    """The gate on both sides, over two generations (`validation_samples`), which also shows how a decoder is
    timed: one repetition is one whole generation from a cache made empty outside the timer (per-repetition
    order, so the warm-up is whole generations too), and every side times its prefill at position 0 and its
    decode calls at positions prompt_len .. prompt_len + new_tokens - 2 in every repetition: not one cache
    growing past prompt_len + new_tokens, nor positions shifted by a time-based warm-up."""
    prompt, new, generations = 32, 12, 2
    gate = {**DECODER_GATE, "validation_samples": generations}
    cell = _cell(tmp_path, "text_generation", "tiny_llama", {"prompt_len": prompt, "new_tokens": new}, gate)
    report = validate_cell(cell, llm_data, tmp_path / "work")
    one = {"prefill_at": 0, "decode_at": [prompt, prompt + new - 2], "decode_calls": new - 1}
    for side in ("transformers", "candle-transformers"):
        doc = read_result(tmp_path / "work" / f"{Path(cell).stem}.{side}.validation.json")
        assert doc["metadata"]["protocol"]["order"] == "per-repetition", side
        assert doc["metadata"]["generations"] == [one] * generations, side
        phases = doc["timing"]["phases"]
        assert len(phases["prefill"]["samples"]) == generations, side
        assert len(phases["decode_token"]["samples"]) == generations * (new - 1), side
    cand = report["sides"]["candle-transformers"]
    assert cand["ok"], cand.get("error")
    q = cand["quality"]
    assert q["logit_max_abs_diff"] <= 1e-3 and q["top1_agreement"] == 1.0 and q["greedy_agreement"] == 1.0
    assert q["perplexity_rel_dev"] <= 0.005
    base_ppl = report["sides"]["transformers"]["quality"]["perplexity"]
    assert base_ppl > 1.0 and abs(q["perplexity"] / base_ppl - 1.0) <= 0.005
    assert report["comparable"], report["reasons"]
    logits = np.load(tmp_path / "work" / f"{Path(cell).stem}.candle-transformers.predictions.npy")
    assert logits.shape[0] == GATE_TOKENS and logits.shape[1] > 49000


def _transformers_logits(model_path: Path, ids: list[int], rope_theta: float | None = None) -> np.ndarray:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(model_path)
    if rope_theta is not None:
        config.rope_parameters = {**(config.rope_parameters or {}), "rope_theta": rope_theta}
    model = AutoModelForCausalLM.from_pretrained(model_path, config=config, dtype=torch.float32).eval()
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids])).logits[0].numpy()


def _nll(logits: np.ndarray, ids: list[int]) -> np.ndarray:
    lg = logits[:-1].astype(np.float64)
    lse = np.log(np.exp(lg - lg.max(axis=1, keepdims=True)).sum(axis=1)) + lg.max(axis=1)
    return lse - lg[np.arange(len(lg)), ids[1:]]


def test_perplexity_text_is_not_the_prompt_text(llm_data: Path) -> None:
    """The Zen of Python is in the corpus, so the prompt text drops its lines: perplexity is measured on
    text the prompt does not contain."""
    rows = corpus_rows(load_verified(llm_data / "text_corpus"))
    text, ids = perplexity_text(verified_model(llm_data, "tiny_llama"))
    lines = set(text.splitlines())
    assert "Beautiful is better than ugly." in lines and lines & set(rows)
    assert not lines & set(decoder_text(rows, text).split("\n"))
    assert 100 < len(ids) <= PERPLEXITY_TOKENS


def test_gate_refuses_a_wrong_side(llm_data: Path) -> None:
    """A side with RoPE base 10,000 instead of the model's 100,000 (what candle's LlamaConfig defaults to
    when transformers 5 moves rope_theta under rope_parameters) is refused by the gate, on the prompt's
    logits and, on its own, on the perplexity text."""
    from transformers import AutoTokenizer

    path = model_dir(llm_data, "tiny_llama")
    rows = corpus_rows(load_verified(llm_data / "text_corpus"))
    held_out, ppl_ids = perplexity_text(verified_model(llm_data, "tiny_llama"))
    ids = AutoTokenizer.from_pretrained(path)(decoder_text(rows, held_out), add_special_tokens=False)["input_ids"]
    ids = ids[:32]
    right = _transformers_logits(path, ids)
    wrong = _transformers_logits(path, ids, rope_theta=10_000.0)
    n = len(ppl_ids) - 1
    scores = np.full((4, max(32, n)), -1.0)
    scores[0, :32] = ids
    scores[3, :n] = _nll(_transformers_logits(path, ppl_ids), ppl_ids)
    wrong_scores = scores.copy()
    wrong_scores[3, :n] = _nll(_transformers_logits(path, ppl_ids, rope_theta=10_000.0), ppl_ids)
    base = paired_quality("text_generation", None, right, scores, right, scores)
    cand = paired_quality("text_generation", None, right, scores, wrong, scores)
    assert apply_gate(DECODER_GATE, base, base).comparable
    verdict = apply_gate(DECODER_GATE, base, cand)
    assert not verdict.comparable
    assert any("logit_max_abs_diff" in r for r in verdict.reasons)
    ppl_only = paired_quality("text_generation", None, right, scores, right, wrong_scores)
    assert ppl_only["perplexity_rel_dev"] > 0.005, ppl_only
    verdict = apply_gate(DECODER_GATE, base, ppl_only)
    assert not verdict.comparable and [r for r in verdict.reasons if "perplexity_rel_dev" in r] == verdict.reasons


def test_candle_generate_matches_transformers(llm_data: Path) -> None:
    """The binary's free-running greedy completion equals transformers' generate() (KV cache on both)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = model_dir(llm_data, "tiny_llama")
    prompt = "The Zen of Python says that"
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    ids = tok(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        out = model.generate(ids, max_new_tokens=10, do_sample=False, min_new_tokens=10)
    expected = out[0, ids.shape[1] :].tolist()
    proc = subprocess.run(
        [
            str(rust_target_dir() / "release" / "pairbench-llm-candle"),
            "generate",
            "--model-dir",
            str(path),
            "--prompt",
            prompt,
            "--new-tokens",
            "10",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout)["ids"] == expected


def test_gguf_conversion_greedy_completion(llm_data: Path) -> None:
    """SmolLM2's Q4_1 GGUF, converted to f32 safetensors in HF naming (q/k un-permuted), completes a fixed
    prompt coherently, and candle-transformers produces the very same greedy ids as transformers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = materialise_model(llm_data, "smollm2_135m", seed=42)
    manifest = verified_model(llm_data, "smollm2_135m").manifest
    assert manifest["rope_theta"] == 100000.0 and abs(manifest["rms_norm_eps"] - 1e-5) < 1e-9
    prompt = "The capital of France is"
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    ids = tok(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        out = model.generate(ids, max_new_tokens=8, do_sample=False, min_new_tokens=8)
    expected = out[0, ids.shape[1] :].tolist()
    assert "Paris" in tok.decode(expected)
    proc = subprocess.run(
        [
            str(rust_target_dir() / "release" / "pairbench-llm-candle"),
            "generate",
            "--model-dir",
            str(path),
            "--prompt",
            prompt,
            "--new-tokens",
            "8",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout)["ids"] == expected


def test_report_derives_ttft_and_rates_from_the_summary() -> None:
    import pandas as pd

    from pairbench.analysis.domains.llm.serving import llm_table
    from pairbench.report.domains.llm import llm_section

    def row(cell: str, task: str, phase: str, med: float) -> dict[str, Any]:
        return {
            "cell_id": cell,
            "domain": "llm",
            "task": task,
            "algorithm": "m",
            "framework": "candle-transformers",
            "phase": phase,
            "median_s": med,
            "median_ci_low_s": med / 2,
            "median_ci_high_s": med * 2,
            "p50_s": med,
            "p95_s": 2 * med,
            "p99_s": 3 * med,
        }

    summary = pd.DataFrame(
        [
            row("d", "text_generation", "prefill", 0.05),
            row("d", "text_generation", "decode_token", 0.01),
            row("e", "sentence_embedding", "forward", 0.004),
        ]
    )
    selection = {
        "cells": [
            {"cell_id": "d", "params": {"prompt_len": 128, "new_tokens": 64}},
            {"cell_id": "e", "params": {"batch_size": 8, "seq_len": 64}},
        ]
    }
    t = llm_table(summary, pd.DataFrame(), selection).set_index("figure")
    assert t.loc["time to first token", "value"] == pytest.approx(50.0)
    assert t.loc["decode tokens/s", "value"] == pytest.approx(100.0)
    assert (t.loc["decode tokens/s", "ci_low"], t.loc["decode tokens/s", "ci_high"]) == pytest.approx((50.0, 200.0))
    assert t.loc["forward sentences/s", "value"] == pytest.approx(2000.0)
    assert t.loc["decode tokens/s", "p99_ms"] == pytest.approx(30.0)
    assert "decode tokens/s" in llm_section(t.reset_index())


def test_a_cell_missing_a_param_is_refused_by_name(tmp_path: Path) -> None:
    """No setting has a default in code; the device is the run's. Same words as main.rs's unit test
    `a_missing_param_is_named`."""
    from pairbench.core.benchmark import RunContext
    from pairbench.tasks.llm.tasks import decoder, encoder

    context = RunContext(cell_id="c1", data_dir=tmp_path)
    with pytest.raises(ValueError) as err:
        encoder("tiny_bert", {"batch_size": 8, "seq_len": 32}, None, context)  # type: ignore[arg-type]
    assert str(err.value) == 'cell c1: param "latency_repeats" missing; param "device" missing'
    with pytest.raises(ValueError) as err:
        decoder("tiny_llama", {"prompt_len": 32, "device": "cpu"}, None, context)  # type: ignore[arg-type]
    assert str(err.value) == 'cell c1: param "new_tokens" missing'
