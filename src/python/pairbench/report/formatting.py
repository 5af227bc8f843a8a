"""How the report and the manual write a value as text, in one place: table cells (HTML and Markdown),
ratios, and the numbers, shares, intervals, durations and Markdown tables of the generated manual pages.
Templates format with Python's format spec through the `fmt` filter (report/templating.py)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

MAX_ROWS = 40  # a longer list is cut, and the page says how many rows the file has


def is_missing(value: Any) -> bool:
    """None or NaN: a value the analysis could not compute, shown as '-'."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def four_digits(value: Any) -> str:
    """A float to 4 significant digits, '-' when missing, anything else as str() (Markdown tables)."""
    if is_missing(value):
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def table_cell(value: Any) -> str:
    """A value as an HTML table shows it: `four_digits`, but booleans read yes / no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return four_digits(value)


def times(ratio: float) -> str:
    """A ratio as a multiple: 2.5 -> '2.5x' (3 significant digits)."""
    return f"{ratio:.3g}x"


# ---- the generated manual pages (docs/performance.md) ---------------------------------------------------


def num(value: Any, digits: int = 4) -> str:
    """A number as a reader wants it: integers with thousands separators, others to `digits` figures."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.{digits}g}"
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(num(v, digits) for v in value)
    return json.dumps(value, default=str)


def share(value: Any) -> str:
    return "n/a" if not isinstance(value, (int, float)) or math.isnan(value) else f"{value:.1%}"


def interval(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """`value [low, high]`, each to `digits` figures."""
    parts = [num(v, digits) if isinstance(v, (int, float)) else "n/a" for v in (value, low, high)]
    return f"{parts[0]} [{parts[1]}, {parts[2]}]"


UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def _unit(seconds: float) -> tuple[float, str]:
    size = abs(seconds)
    return next(((scale, name) for scale, name in UNITS if size >= scale), UNITS[-1])


def duration(value: Any, low: Any = None, high: Any = None) -> str:
    """Seconds in the unit that suits the value (ns to s), 3 figures; with `low` and `high`, its interval
    in the same unit."""
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "n/a"
    scale, name = _unit(float(value)) if value else (1.0, "s")
    if low is None and high is None:
        return f"{num(value / scale, 3)} {name}"
    bounds = [num(v / scale, 3) if isinstance(v, (int, float)) else "n/a" for v in (low, high)]
    return f"{num(value / scale, 3)} {name} [{bounds[0]}, {bounds[1]}]"


def cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


def records_table(records: list[dict[str, Any]], columns: list[str] | None = None) -> list[str]:
    """A table of a list of records: the given columns, or every key in first-seen order; cut at MAX_ROWS."""
    keys = columns or list(dict.fromkeys(k for r in records for k in r))
    out = table([f"`{k}`" for k in keys], ([num(r.get(k)) for k in keys] for r in records[:MAX_ROWS]))
    if len(records) > MAX_ROWS:
        out += ["", f"{MAX_ROWS} of {len(records)} rows; the file has them all."]
    return out
