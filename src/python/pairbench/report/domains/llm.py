"""The LLM section of the report: one bar chart per serving figure, the table with its numbers, the scaling
curves with their fitted slopes, and the methods lines. It renders the analysis' llm_serving, llm_scaling,
llm_slopes and llm_advice tables (analysis/domains/llm/) and computes none of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pandas as pd

from pairbench.analysis.domains.llm.serving import LLM_COLUMNS, SCALING_COLUMNS, SLOPE_COLUMNS, SLOPE_DRAWS
from pairbench.report import charts
from pairbench.report.domains.base import DomainSection
from pairbench.report.section import Section
from pairbench.report.tables import Sources, TableView, table_view
from pairbench.report.templating import render

_SHORT = {
    "batch_size=": "batch ",
    "seq_len=": "seq ",
    "prompt_len=": "prompt ",
    "new_tokens=": "new ",
    "threads=": "thr ",
}


def _short(setting: str) -> str:
    """A setting short enough for a chart label (bar_chart keeps 48 characters)."""
    for long, short in _SHORT.items():
        setting = setting.replace(long, short)
    return setting.replace(", ", " ")


def curve_figures(points: pd.DataFrame, slopes: pd.DataFrame) -> list[tuple[str, str]]:
    """One log-log chart per (curve, model, fixed parameters) with a slope: a line per (side, threads)."""
    out: list[tuple[str, str]] = []
    if slopes.empty:
        return out
    for (curve, algo, fixed), s in slopes.groupby(["curve", "algorithm", "fixed"], sort=True):
        g = points[(points["curve"] == curve) & (points["algorithm"] == algo) & (points["fixed"] == fixed)]
        label = {
            (r["framework"], r["threads"]): f"{r['framework']} t{r['threads']}: {r['slope']:.2f}"
            for _, r in s.iterrows()
        }
        g = g.assign(
            series=[label.get((f, t), "") for f, t in zip(g["framework"], g["threads"], strict=True)],
            ms=1e3 * g["median_s"],
        )
        g = g[g["series"] != ""]
        x_label = "prompt tokens" if curve.startswith("time to first token") else "sequence length (tokens)"
        title = f"{curve}: {algo}" + (f" ({fixed})" if fixed else "")
        out.append((title, charts.line_chart(g, "x", "ms", "series", x_label, "median ms (log)")))
    return out


@dataclass
class LlmView:
    """The LLM section: one bar chart per serving figure, the table with its numbers, the scaling curves and
    their slopes."""

    figures: list[tuple[str, str]] = field(default_factory=list)  # (figure, svg)
    table: TableView | None = None
    curves: list[tuple[str, str]] = field(default_factory=list)  # (title, svg)
    slopes: TableView | None = None
    curve_note: str = ""
    advice: list[str] = field(default_factory=list)  # the analysis' llm_advice lines


def llm_view(
    table: pd.DataFrame,
    points: pd.DataFrame | None = None,
    slopes: pd.DataFrame | None = None,
    advice: pd.DataFrame | None = None,
) -> LlmView:
    if table.empty:
        return LlmView()
    points = pd.DataFrame(columns=SCALING_COLUMNS) if points is None else points
    slopes = pd.DataFrame(columns=SLOPE_COLUMNS) if slopes is None else slopes
    curves = curve_figures(points, slopes)
    slope_view = None
    note = (
        "No scaling curve: each needs at least two prompt lengths (or sequence lengths) per side and setting; "
        "--grid all (the full profile) runs prompt lengths 32, 128, 512 and sequence lengths 16 to 256."
    )
    if not slopes.empty:
        shown = slopes.copy()
        for col in ("slope", "slope_ci_low", "slope_ci_high"):
            shown[col] = shown[col].map(lambda v: f"{v:.3f}")
        slope_view = table_view(shown, SLOPE_COLUMNS, "t-llm-slopes")
        note = (
            "Log-log slopes: 1 means time grows in proportion to the tokens, above 1 faster (attention's "
            "quadratic term), below 1 a fixed cost dominates. The CI redraws each point's median from its "
            f"bootstrap CI (log-normal, {SLOPE_DRAWS:,} seeded draws) and refits."
        )
    figures = []
    for figure in ("decode tokens/s", "time to first token", "end_to_end sentences/s"):
        g = table[table["figure"] == figure]
        if not g.empty:
            g = g.assign(label=g["algorithm"] + " (" + g["setting"].map(_short) + ")")
            figures.append((figure, charts.bar_chart(g, "label", "value", "framework", str(g["unit"].iloc[0]))))
    shown = table.copy()
    for col in ("value", "ci_low", "ci_high", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb"):
        shown[col] = shown[col].map(lambda v: f"{v:.4g}" if pd.notna(v) else "")
    lines = [str(x) for x in advice["line"]] if advice is not None and not advice.empty else []
    return LlmView(figures, table_view(shown, LLM_COLUMNS, "t-llm"), curves, slope_view, note, lines)


def view(tables: Mapping[str, pd.DataFrame], sources: Sources) -> LlmView:
    return llm_view(
        tables["llm_serving"], tables.get("llm_scaling"), tables.get("llm_slopes"), tables.get("llm_advice")
    )


def llm_section(table: pd.DataFrame) -> str:
    """HTML of the LLM section for an llm_serving table (the page's section, as the report renders it)."""
    if table.empty:
        return ""
    return render("sections/llm.html.j2", ctx=SimpleNamespace(domain_views={"llm": llm_view(table)}))


def llm_methods(selection: dict[str, Any]) -> list[str]:
    cells = [c for c in selection.get("cells", []) if c.get("domain") == "llm"]
    if not cells:
        return []
    tch = (
        [
            "LLM tch side (sentence embeddings only): a BERT written once over the Ops trait the deep-learning "
            "models use (src/rust/llm-common), run by pairbench-tch on the venv's libtorch: the same kernels as "
            "transformers, torch's scaled_dot_product_attention included, driven from Rust (tch vs transformers "
            "isolates the language, tch vs candle-transformers the kernels); the same tokenizers crate code as "
            "candle-transformers' side; gated like it. On candle the same encoder equals candle-transformers' "
            "models::bert within 1e-5 (a unit test)."
        ]
        if any(f.get("name") == "tch" for c in cells for f in c.get("frameworks", []))
        else []
    )
    return [
        "LLM: transformers (PyTorch, attn_implementation=sdpa, eval, torch.inference_mode) vs candle-transformers "
        "(models::bert, models::llama; tokenizers crate), float32 on both, the same safetensors weights and "
        "tokenizer.json (sha256-checked) and the same corpus bytes. Encoder: texts truncated and padded to seq_len, "
        "mean pooling over the attention mask, L2 norm; tokenisation, forward and both timed apart. Decoder: greedy, "
        "KV cache on, end-of-sequence ignored; one repetition is one whole generation from a KV cache made empty "
        "outside the timer on both sides, and the warm-up is whole generations, so time to first token (the prefill, "
        "from position 0) and time per output token and tokens/s (decode positions prompt_len to prompt_len + "
        "new_tokens - 2) describe the same token positions on both sides. SmolLM2 is the Q4_1 GGUF dequantised to f32"
        " by transformers' GGUF reader (q/k un-permuted to rotate-half); candle's Llama config is written from "
        "config.json field by field (rope_theta from rope_parameters). Gate: identical token ids on every corpus "
        "string, embedding cosine >= 0.9999, teacher-forced logits within 1e-3 with the same top-1 (near ties, top-2 "
        "gap < 1e-4, excused), identical greedy ids, and perplexity within 0.5% on a separate public-domain text the "
        "prompt does not contain (the Zen of Python from CPython's `this` module, at most 256 tokens).",
        "LLM threads axis: every LLM cell runs on one core and on all of them (the catalogue's `threads: [1, all]`, "
        "in every profile; `all` = the CPUs phase 1 may use). The count is pinned on both sides alike, before any "
        "library loads (the OMP/MKL variables, which size torch's pools, and RAYON_NUM_THREADS, which sizes "
        "candle's) and each "
        "launch claims that many CPUs of its own. Scaling slopes: least squares of log median time on log prompt "
        "length (TTFT) or sequence length (encoder forward), per side and thread count; the CI redraws each point's "
        "median from its bootstrap CI (log-normal, 2,000 seeded draws). Advice: a side wins a setting when its pair's "
        "verdict says faster (its paired interval wholly beyond the margin); equivalent and inconclusive settings "
        "are named apart and win for neither side; embedding is judged on end-to-end batch latency, generation on "
        "decode tokens/s with time to first token reported beside it.",
        *tch,
    ]


SECTION = DomainSection(
    "llm",
    tables=("llm_serving", "llm_scaling", "llm_slopes", "llm_advice"),
    section=Section("llm", "LLM inference", only_with="llm_serving", md_template=True),
    view=view,
    methods=llm_methods,
)
