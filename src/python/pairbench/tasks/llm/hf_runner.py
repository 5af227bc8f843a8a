"""The transformers side of an LLM cell (PyTorch backend, eval mode, `torch.inference_mode`).

sentence_embedding phases (each repeated `latency_repeats` times per repetition, each its own sample):
  tokenize     the batch of texts -> ids + attention mask (truncated and padded to seq_len)
  forward      BERT forward, mean pooling over the attention mask, L2 normalisation
  end_to_end   both
text_generation phases (KV cache on, greedy, end-of-sequence ignored). One repetition is one whole
generation (the benchmark is stateful, so the harness keeps the per-repetition order and warms up whole
generations): `prepare_phase("prefill")` makes a fresh, empty cache outside the timer, then
  prefill       the prompt's forward pass (positions 0 .. prompt_len - 1) and the first token: time to
                first token
  decode_token  one further token from the cache, `new_tokens - 1` times per repetition, at positions
                prompt_len .. prompt_len + new_tokens - 2 in every repetition on every side
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pairbench.core.benchmark import BenchmarkBase
from pairbench.datasets.materialise import Split
from pairbench.tasks.llm.spec import (
    DECODER_PHASES,
    ENCODER_PHASES,
    GATE_TOKENS,
    corpus_rows,
    decoder_text,
    encoder_texts,
    int_param,
    perplexity_text,
    verified_model,
)

# Nothing is fetched at run time: the models are local directories written in phase 3.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

# SDPA is what transformers picks by default on CPU for both architectures; pinned so the record says it.
ATTN_IMPLEMENTATION = "sdpa"


def generation_record(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per generation: the cache length at prefill, the first and last decode positions and the number
    of decode calls (main.rs writes the same record)."""
    return [
        {
            "prefill_at": g["prefill_at"],
            "decode_at": [g["decode_at"][0], g["decode_at"][-1]] if g["decode_at"] else [],
            "decode_calls": len(g["decode_at"]),
        }
        for g in log
    ]


def top2_gap(logits: torch.Tensor) -> float:
    top = torch.topk(logits.float().flatten(), 2).values
    return float(top[0] - top[1])


class _Base(BenchmarkBase):
    phases: tuple[str, ...] = ()

    def __init__(self, algorithm: str, params: dict[str, Any], split: Split, data_dir: Path) -> None:
        import time

        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.algorithm, self.params = algorithm, params
        self.device = torch.device(str(params["device"]))
        self.model_files = verified_model(data_dir, algorithm)
        self.rows = corpus_rows(split)
        t0 = time.perf_counter()
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_files.dir)
        self.model = self._load(self.model_files.dir).to(self.device).eval()
        self.load_s = time.perf_counter() - t0
        self._predictions: np.ndarray | None = None
        self._scores: np.ndarray | None = None

    def _load(self, path: Path) -> Any:
        raise NotImplementedError

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def metadata(self) -> dict[str, Any]:
        import transformers

        return {
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "attn_implementation": ATTN_IMPLEMENTATION,
            "compute_dtype": "float32",
            "model_load_s": self.load_s,
            "model": self.algorithm,
            "model_sha256": self.model_files.manifest["sha256"],
            "param_count": sum(int(p.numel()) for p in self.model.parameters()),
        }


class EncoderBenchmark(_Base):
    phases = ENCODER_PHASES

    def __init__(self, algorithm: str, params: dict[str, Any], split: Split, data_dir: Path) -> None:
        super().__init__(algorithm, params, split, data_dir)
        self.batch_size, self.seq_len = int_param(params, "batch_size"), int_param(params, "seq_len")
        self.latency_repeats = int_param(params, "latency_repeats")
        self.texts = encoder_texts(self.rows, self.batch_size, self.seq_len)
        self.phase_repeats = dict.fromkeys(self.phases, self.latency_repeats)
        self.batch = self._tokenize(self.texts)

    def _load(self, path: Path) -> Any:
        from transformers import AutoModel

        return AutoModel.from_pretrained(path, dtype=torch.float32, attn_implementation=ATTN_IMPLEMENTATION)

    def _tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(texts, padding="max_length", truncation=True, max_length=self.seq_len, return_tensors="pt")
        return {k: v.to(self.device) for k, v in enc.items()}

    @torch.inference_mode()
    def _embed(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        out = torch.nn.functional.normalize(pooled, p=2, dim=1)
        self._sync()
        return out

    def run_phase(self, phase: str) -> None:
        if phase == "tokenize":
            self._tokenize(self.texts)
        elif phase == "forward":
            self._embed(self.batch)
        elif phase == "end_to_end":
            self._embed(self._tokenize(self.texts))
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def quality(self) -> dict[str, float | None]:
        return {"embedding_dim": float(self.model.config.hidden_size)}

    def metadata(self) -> dict[str, Any]:
        return {**super().metadata(), "items_per_call": dict.fromkeys(self.phases, self.batch_size)}

    @property
    def predictions(self) -> np.ndarray:
        """Every corpus row's embedding (batches of batch_size, truncated and padded to seq_len)."""
        if self._predictions is None:
            parts = [
                self._embed(self._tokenize(self.rows[i : i + self.batch_size])).cpu().numpy()
                for i in range(0, len(self.rows), self.batch_size)
            ]
            self._predictions = np.concatenate(parts).astype(np.float32)
        return self._predictions

    @property
    def scores(self) -> np.ndarray:
        """Every corpus row's token ids (special tokens added, no truncation), padded with -1."""
        if self._scores is None:
            ids = [self.tokenizer(text)["input_ids"] for text in self.rows]
            out = np.full((len(ids), max(len(i) for i in ids)), -1.0)
            for r, row in enumerate(ids):
                out[r, : len(row)] = row
            self._scores = out
        return self._scores


class DecoderBenchmark(_Base):
    phases = DECODER_PHASES
    # A generation changes the cache: per-repetition order, each repetition one whole generation from a
    # fresh cache, so the timed positions are the same in every repetition and on every side.
    stateful_phases = DECODER_PHASES

    def __init__(self, algorithm: str, params: dict[str, Any], split: Split, data_dir: Path) -> None:
        super().__init__(algorithm, params, split, data_dir)
        self.prompt_len, self.new_tokens = int_param(params, "prompt_len"), int_param(params, "new_tokens")
        held_out, self.ppl_ids = perplexity_text(self.model_files)
        ids = self.tokenizer(decoder_text(self.rows, held_out), add_special_tokens=False)["input_ids"]
        if len(ids) < self.prompt_len:
            raise ValueError(f"param 'prompt_len': {self.prompt_len} > the corpus's {len(ids)} tokens")
        self.prompt = torch.tensor([ids[: self.prompt_len]], dtype=torch.long, device=self.device)
        self.phase_repeats = {"prefill": 1, "decode_token": max(self.new_tokens - 1, 0)}
        self.cache: Any = None
        # The position of the next token fed (= the cache's length before the call).
        self.pos = 0
        self.generated: list[int] = []
        self.step_logits: list[torch.Tensor] = []
        self._next: torch.Tensor | None = None
        # Per generation (warm-up included): the cache length at prefill and the positions of the decode
        # calls, as main.rs records them; the result's `generations` shows every repetition started empty.
        self.generations: list[dict[str, Any]] = []

    def _load(self, path: Path) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation=ATTN_IMPLEMENTATION)

    @torch.inference_mode()
    def _step(self, ids: torch.Tensor) -> None:
        out = self.model(input_ids=ids, past_key_values=self.cache, use_cache=True, logits_to_keep=1)
        self.cache = out.past_key_values
        logits = out.logits[0, -1]
        nxt = logits.argmax()
        self._sync()
        self._next = nxt.view(1, 1)
        self.pos += int(ids.shape[1])
        self.generated.append(int(nxt))
        self.step_logits.append(logits)

    def prepare_phase(self, phase: str, calls: int) -> None:
        """Outside the timer: a fresh, empty cache before each generation's prefill (candle's side makes
        its `Cache` here too); before each decode call, the check that it continues this generation."""
        if calls != 1:
            raise ValueError(f"{phase}: {calls} calls per timed batch; a generation step is timed alone")
        if phase == "prefill":
            from transformers import DynamicCache

            self.cache = DynamicCache(config=self.model.config)
            self.pos, self.generated, self.step_logits, self._next = 0, [], [], None
            self.generations.append({"prefill_at": int(self.cache.get_seq_length()), "decode_at": []})
        elif phase == "decode_token":
            if self._next is None or not self.generations:
                raise RuntimeError("decode_token before prefill")
            if (held := int(self.cache.get_seq_length())) != self.pos:
                raise RuntimeError(f"decode_token: the cache holds {held} positions, expected {self.pos}")
            self.generations[-1]["decode_at"].append(self.pos)
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def run_phase(self, phase: str) -> None:
        if phase == "prefill":
            if self.cache is None or self.pos != 0:
                raise RuntimeError("prefill without a fresh cache (prepare_phase makes it)")
            self._step(self.prompt)
        elif phase == "decode_token":
            if self._next is None:
                raise RuntimeError("decode_token before prefill")
            self._step(self._next)
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def quality(self) -> dict[str, float | None]:
        return {"generated_tokens": float(len(self.generated))}

    def metadata(self) -> dict[str, Any]:
        # Tokens per timed call: prefill processes the prompt, a decode step one token.
        return {
            **super().metadata(),
            "items_per_call": {"prefill": self.prompt_len, "decode_token": 1},
            "kv_cache": "transformers DynamicCache, made empty before each generation (untimed)",
            "generations": generation_record(self.generations),
        }

    @property
    def predictions(self) -> np.ndarray:
        """Teacher-forced logits (T x vocab) of the first GATE_TOKENS prompt tokens, one forward pass."""
        if self._predictions is None:
            tf = self.prompt[:, : min(self.prompt_len, GATE_TOKENS)]
            with torch.inference_mode():
                logits = self.model(input_ids=tf, use_cache=False).logits[0]
            self._predictions = logits.float().cpu().numpy()
        return self._predictions

    def token_nll(self) -> list[float]:
        """Negative log-likelihood of each perplexity-text token after the first, teacher-forced in one
        forward pass (log-softmax in float64)."""
        ids = torch.tensor([self.ppl_ids], dtype=torch.long, device=self.device)
        with torch.inference_mode():
            logits = self.model(input_ids=ids, use_cache=False).logits[0, :-1].double()
        nll = -torch.log_softmax(logits, dim=-1).gather(1, ids[0, 1:, None].to(logits.device))[:, 0]
        return [float(v) for v in nll.cpu()]

    @property
    def scores(self) -> np.ndarray:
        """Rows: teacher-forced ids, greedy ids of the last generation, their top-2 logit gaps, the
        perplexity text's per-token negative log-likelihoods (each -1 padded)."""
        if self._scores is None:
            tf = self.prompt[0, : min(self.prompt_len, GATE_TOKENS)].tolist()
            gaps = [top2_gap(lg) for lg in self.step_logits]
            nll = self.token_nll()
            out = np.full((4, max(len(tf), len(self.generated), len(nll))), -1.0)
            out[0, : len(tf)], out[1, : len(self.generated)], out[2, : len(gaps)] = tf, self.generated, gaps
            out[3, : len(nll)] = nll
            self._scores = out
        return self._scores
