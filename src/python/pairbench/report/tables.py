"""Tables as the templates see them: every cell's text, whether it is a number (sortable by its value)
and the raw result file it links to. Escaping is the template's job (autoescape), not this module's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pairbench.report.formatting import is_missing, table_cell


def read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame()


@dataclass(frozen=True)
class Link:
    href: str
    title: str
    text: str


class Sources:
    """Raw result files per (cell, framework), so a number can link to the launches it came from."""

    def __init__(self, launches: pd.DataFrame, raw_href: str) -> None:
        self.raw_href = raw_href
        self.files: dict[tuple[str, str], list[str]] = {}
        if not launches.empty and "source_file" in launches:
            for (cell, fw), g in launches.sort_values("launch").groupby(["cell_id", "framework"]):
                self.files[(str(cell), str(fw))] = [str(f) for f in g["source_file"] if isinstance(f, str) and f]

    def href(self, cell: str, framework: str) -> str | None:
        """The first launch's raw result, as the forest plot links it (analysis.forest.first_results)."""
        files = self.files.get((str(cell), str(framework)))
        return self.raw_href + files[0] if files else None

    def links(self, cell: str, frameworks: list[str]) -> list[Link]:
        return [
            Link(self.raw_href + f, f, f"{fw}#{i}")
            for fw in frameworks
            for i, f in enumerate(self.files.get((str(cell), str(fw)), []), start=1)
        ]


@dataclass(frozen=True)
class Cell:
    text: str
    sort_key: str | None = None  # numbers only: the exact value the table sorts by (data-v)
    href: str | None = None


@dataclass
class TableView:
    """A sortable table: `raw` rows carry the links to every launch behind the row."""

    table_id: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    raw: list[list[Link]] | None = None
    filter_box: bool = False

    @property
    def empty(self) -> bool:
        return not self.columns


RowLink = Callable[[pd.Series], str | None]
RowLinks = Callable[[pd.Series], list[Link]]


def table_view(
    df: pd.DataFrame,
    columns: list[str] | None = None,
    table_id: str = "",
    *,
    link: RowLink | None = None,
    raw: RowLinks | None = None,
    filter_box: bool = False,
) -> TableView:
    """Numeric cells link to `link(row)` (the raw result); `raw(row)` adds a column of links to every launch."""
    if df.empty:
        return TableView(table_id, [])
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    view = TableView(table_id, cols, raw=[] if raw else None, filter_box=filter_box and bool(table_id))
    for _, row in df.iterrows():
        href = link(row) if link else None
        cells = []
        for c in cols:
            v = row[c]
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool) and not is_missing(v)
            cells.append(Cell(table_cell(v), repr(float(v)) if numeric else None, href if numeric else None))
        view.rows.append(cells)
        if raw and view.raw is not None:
            view.raw.append(raw(row))
    return view
