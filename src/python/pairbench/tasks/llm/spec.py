"""What both sides of an LLM cell agree on: where the models are, which text they read, in which order.

The Rust sides apply the same rules (src/rust/llm-common/src/text.rs, shared by pairbench-llm-candle and
pairbench-tch); each function names its Rust twin.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairbench.datasets.materialise import ChecksumError, Split, contained_path, sha256_file
from pairbench.datasets.text import decode_rows

LLM_DIR = "_llm"
ENCODER_TASK = "sentence_embedding"
DECODER_TASK = "text_generation"
TASKS = (ENCODER_TASK, DECODER_TASK)
# The decoders (main.rs's `DECODERS`): phase 3 writes each one's perplexity text beside its weights.
DECODER_MODELS = ("smollm2_135m", "tiny_llama")
# What a cell of each task must carry, none with a default in code (main.rs's `CELL_PARAMS`); `device` is
# the run's (--devices), written by phase 1.
CELL_PARAMS = {
    ENCODER_TASK: ("batch_size", "seq_len", "latency_repeats", "device"),
    DECODER_TASK: ("prompt_len", "new_tokens", "device"),
}
# Teacher-forced logits of the gate cover at most this many prompt tokens (T x vocab floats per side).
GATE_TOKENS = 32
# The perplexity text (the Zen of Python, PEP 20, public domain, shipped in CPython's `this` module),
# written per decoder in phase 3 as its text and token ids, capped at this many tokens.
PERPLEXITY_FILE = "perplexity.json"
PERPLEXITY_TOKENS = 256
ENCODER_PHASES = ("tokenize", "forward", "end_to_end")
DECODER_PHASES = ("prefill", "decode_token")


@dataclass(frozen=True)
class ModelFiles:
    """A verified model directory: config.json, model.safetensors, tokenizer.json (+ tokenizer_config)."""

    dir: Path
    manifest: dict[str, Any]


def model_dir(data_dir: Path, algorithm: str) -> Path:
    """`model_dir` in main.rs: `<data-dir>/_llm/<algorithm>/`."""
    return data_dir / LLM_DIR / algorithm


def digest_of(files: dict[str, dict[str, Any]]) -> str:
    """One digest for a model: sha256 over sorted 'name:digest\\n' lines (same rule in main.rs)."""
    text = "".join(f"{name}:{files[name]['sha256']}\n" for name in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def verified_model(data_dir: Path, algorithm: str) -> ModelFiles:
    """Every file of the model checked against the manifest written when it was materialised."""
    base = model_dir(data_dir, algorithm)
    path = base / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model manifest missing (run phase 3 / `pairbench datasets`)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if digest_of(manifest["files"]) != manifest["sha256"]:
        raise ChecksumError(f"{path}: combined digest does not match its file digests")
    for name, entry in manifest["files"].items():
        if (actual := sha256_file(contained_path(base, name))) != entry["sha256"]:
            raise ChecksumError(f"{base / name}: sha256 {actual} != manifest {entry['sha256']}")
    return ModelFiles(base, manifest)


def corpus_rows(split: Split) -> list[str]:
    """Every corpus string, train rows then test rows (`corpus_rows` in main.rs)."""
    return decode_rows(split.X_train) + decode_rows(split.X_test)


def corpus_groups(split: Split) -> list[int]:
    return [int(v) for v in split.y_train] + [int(v) for v in split.y_test]


def rows_per_text(seq_len: int) -> int:
    """Consecutive corpus rows joined into one encoder input, enough to fill `seq_len` tokens."""
    return max(1, math.ceil(seq_len / 8))


def encoder_texts(rows: list[str], batch_size: int, seq_len: int) -> list[str]:
    """The timed batch: text i joins k rows from row i*k on, cyclically (`encoder_texts` in main.rs)."""
    k = rows_per_text(seq_len)
    return [" ".join(rows[(i * k + j) % len(rows)] for j in range(k)) for i in range(batch_size)]


def decoder_text(rows: list[str], held_out: str = "") -> str:
    """The text whose first tokens are the prompt (`decoder_text` in main.rs): every corpus row that is
    not a line of `held_out` (the perplexity text), so perplexity is measured on text the prompt lacks."""
    lines = set(held_out.splitlines())
    return "\n".join(row for row in rows if row not in lines)


def perplexity_text(model: ModelFiles) -> tuple[str, list[int]]:
    """The decoder's perplexity text and its token ids, from the verified model directory (main.rs's
    `perplexity_text`)."""
    if PERPLEXITY_FILE not in model.manifest["files"]:
        raise FileNotFoundError(f"{model.dir}: {PERPLEXITY_FILE} missing from the manifest (rerun phase 3)")
    data = json.loads((model.dir / PERPLEXITY_FILE).read_text(encoding="utf-8"))
    return str(data["text"]), [int(i) for i in data["ids"]]


def int_param(params: dict[str, Any], key: str) -> int:
    value = params.get(key)
    if value is None or isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"param {key!r}: expected an integer >= 1, got {value!r}")
    return int(value)
