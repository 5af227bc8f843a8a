"""Report exports: JSON, CSV (one file per table), Excel (one sheet per table) and a leaderboard in
Markdown and CSV. report.md is a template (templates/report.md.j2) over the same context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.report.formatting import four_digits

LEADERBOARD_COLS = [
    "scope",
    "rank",
    "framework",
    "language",
    "cells",
    "weighted_score",
    "speed_score",
    "memory_score",
    "quality_score",
    "borda",
    "bradley_terry",
    "elo",
    "pareto_optimal",
]


def md_table(df: pd.DataFrame, columns: list[str] | None = None) -> str:
    if df.empty:
        return "_none_\n"
    df = df[[c for c in (columns or list(df.columns)) if c in df.columns]]
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += [
        "| " + " | ".join(four_digits(v).replace("|", "\\|") for v in row) + " |" for row in df.itertuples(index=False)
    ]
    return "\n".join(lines) + "\n"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records")) if not df.empty else []  # type: ignore[no-any-return]


def write_exports(
    out_dir: Path, tables: dict[str, pd.DataFrame], doc: dict[str, Any], analysis: dict[str, Any]
) -> None:
    data = out_dir / "data"
    data.mkdir(exist_ok=True)
    for name, df in tables.items():
        df.to_csv(data / f"{name}.csv", index=False)
    ranks = tables.get("rankings", pd.DataFrame())
    board = ranks[[c for c in LEADERBOARD_COLS if c in ranks.columns]] if not ranks.empty else ranks
    board.to_csv(out_dir / "leaderboard.csv", index=False)
    (out_dir / "leaderboard.md").write_text("# pairbench leaderboard\n\n" + md_table(board), encoding="utf-8")
    # Excel caps sheet names at 31 characters; the table names are short and unique.
    with pd.ExcelWriter(out_dir / "report.xlsx", engine="openpyxl") as xl:
        pd.DataFrame({"headline": doc["headline"]}).to_excel(xl, sheet_name="summary", index=False)
        for name, df in tables.items():
            (df if not df.empty else pd.DataFrame({"note": ["none"]})).to_excel(xl, sheet_name=name[:31], index=False)
    full = {
        **doc,
        "settings": analysis.get("settings"),
        "machine": analysis.get("machine"),
        **{name: _records(df) for name, df in tables.items() if name not in ("launches",)},
    }
    (out_dir / "report.json").write_text(json.dumps(full, indent=2, default=str) + "\n", encoding="utf-8")
