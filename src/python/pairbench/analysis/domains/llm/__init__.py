"""The LLM domain's phase-5 tables: `llm_serving` (serving figures per side), `llm_scaling` and `llm_slopes` (the
scaling curves and their log-log slopes) and `llm_advice` (which side for embedding and for generation). The
report's LLM section (report/domains/llm.py) renders them."""

from __future__ import annotations

import pandas as pd

from pairbench.analysis.domains.base import DomainAnalyser, DomainInputs
from pairbench.analysis.domains.llm.advice import ADVICE_COLUMNS, llm_advice
from pairbench.analysis.domains.llm.serving import SCALING_COLUMNS, SLOPE_COLUMNS, llm_scaling, llm_slopes, llm_table


def llm_tables(inputs: DomainInputs) -> dict[str, pd.DataFrame]:
    """The domain's tables, empty (with their columns) when the run has no LLM cell."""
    summary, selection = inputs.table("summary"), dict(inputs.selection)
    serving = llm_table(summary, inputs.table("launches"), selection)
    if serving.empty:
        return {
            "llm_serving": serving,
            "llm_scaling": pd.DataFrame(columns=SCALING_COLUMNS),
            "llm_slopes": pd.DataFrame(columns=SLOPE_COLUMNS),
            "llm_advice": pd.DataFrame(columns=ADVICE_COLUMNS),
        }
    points = llm_scaling(summary, selection)
    return {
        "llm_serving": serving,
        "llm_scaling": points,
        "llm_slopes": llm_slopes(points),
        "llm_advice": llm_advice(inputs.table("comparisons"), selection),
    }


ANALYSER = DomainAnalyser("llm", llm_tables, advice="llm_advice")
