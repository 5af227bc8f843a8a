"""Report pieces specific to the LLM domain: serving figures (TTFT, tokens/s, sentences/s, latency
percentiles) per side, derived from the same summary table as every timing, and its methods notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pairbench.report import charts
from pairbench.report.tables import TableView, table_view
from pairbench.report.templating import render_macro

LLM_COLUMNS = [
    "task",
    "algorithm",
    "setting",
    "framework",
    "figure",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "peak_rss_mb",
]


def _setting(params: dict[str, Any]) -> str:
    keys = ("batch_size", "seq_len", "prompt_len", "new_tokens", "device")
    return ", ".join(f"{k}={params[k]}" for k in keys if k in params)


def llm_table(summary: pd.DataFrame, launches: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    """One row per (cell, side, figure): encoder sentences/s and batch latency; decoder time to first
    token, decode tokens/s and per-token latency. Rates invert the median and its CI bounds."""
    if summary.empty or "domain" not in summary:
        return pd.DataFrame(columns=LLM_COLUMNS)
    params = {c["cell_id"]: c.get("params", {}) for c in selection.get("cells", [])}
    rss: dict[tuple[str, str], float] = {}
    if not launches.empty and "peak_rss_mb" in launches:
        rss = launches.groupby(["cell_id", "framework"])["peak_rss_mb"].max().to_dict()
    rows = []
    for _, r in summary[summary["domain"] == "llm"].iterrows():
        p = params.get(r["cell_id"], {})
        base = {
            "task": r["task"],
            "algorithm": r["algorithm"],
            "setting": _setting(p),
            "framework": r["framework"],
            "p50_ms": 1e3 * r["p50_s"],
            "p95_ms": 1e3 * r["p95_s"],
            "p99_ms": 1e3 * r["p99_s"],
            "peak_rss_mb": rss.get((r["cell_id"], r["framework"]), np.nan),
        }
        med, lo, hi = r["median_s"], r["median_ci_low_s"], r["median_ci_high_s"]

        def rate(
            items: float,
            unit: str,
            figure: str,
            base: dict[str, Any] = base,
            med: float = med,
            lo: float = lo,
            hi: float = hi,
        ) -> dict[str, Any]:
            return {
                **base,
                "figure": figure,
                "value": items / med,
                "ci_low": items / hi,
                "ci_high": items / lo,
                "unit": unit,
            }

        if r["phase"] == "prefill":
            rows.append(
                {
                    **base,
                    "figure": "time to first token",
                    "value": 1e3 * med,
                    "ci_low": 1e3 * lo,
                    "ci_high": 1e3 * hi,
                    "unit": "ms",
                }
            )
        elif r["phase"] == "decode_token":
            rows.append(rate(1.0, "tokens/s", "decode tokens/s"))
        elif r["phase"] in ("tokenize", "forward", "end_to_end"):
            rows.append(rate(float(p.get("batch_size", 1)), "sentences/s", f"{r['phase']} sentences/s"))
    return pd.DataFrame(rows, columns=LLM_COLUMNS)


@dataclass
class LlmView:
    """The LLM section: one bar chart per serving figure, and the table with its numbers."""

    figures: list[tuple[str, str]] = field(default_factory=list)  # (figure, svg)
    table: TableView | None = None


def llm_view(table: pd.DataFrame) -> LlmView:
    if table.empty:
        return LlmView()
    figures = []
    for figure in ("decode tokens/s", "time to first token", "end_to_end sentences/s"):
        g = table[table["figure"] == figure]
        if not g.empty:
            g = g.assign(label=g["algorithm"] + " (" + g["setting"] + ")")
            figures.append((figure, charts.bar_chart(g, "label", "value", "framework", str(g["unit"].iloc[0]))))
    shown = table.copy()
    for col in ("value", "ci_low", "ci_high", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb"):
        shown[col] = shown[col].map(lambda v: f"{v:.4g}" if pd.notna(v) else "")
    return LlmView(figures, table_view(shown, LLM_COLUMNS, "t-llm"))


def llm_section(table: pd.DataFrame) -> str:
    """HTML of the LLM section (report.md gets the table itself); empty when the run has no LLM cells."""
    if table.empty:
        return ""
    return render_macro("macros.html.j2", "llm_body", llm_view(table))


def llm_methods(selection: dict[str, Any]) -> list[str]:
    if not any(c.get("domain") == "llm" for c in selection.get("cells", [])):
        return []
    return [
        "LLM: transformers (PyTorch, attn_implementation=sdpa, eval, torch.inference_mode) vs candle-transformers "
        "(models::bert, models::llama; tokenizers crate), float32 on both, the same safetensors weights and "
        "tokenizer.json (sha256-checked) and the same corpus bytes. Encoder: texts truncated and padded to "
        "seq_len, mean pooling over the attention mask, L2 norm; tokenisation, forward and both timed apart. "
        "Decoder: greedy, KV cache on, end-of-sequence ignored, a fresh cache per prompt; prefill (time to first "
        "token) and each further token timed apart. SmolLM2 is the Q4_1 GGUF dequantised to f32 by "
        "transformers' GGUF reader (q/k un-permuted to rotate-half); candle's Llama config is written from "
        "config.json field by field (rope_theta from rope_parameters). Gate: identical token ids on every corpus "
        "string, embedding cosine >= 0.9999, teacher-forced logits within 1e-3 with the same top-1 (near ties, "
        "top-2 gap < 1e-4, excused), identical greedy ids, perplexity within 0.5%.",
    ]
