"""How the report writes a value as text, in one place: table cells (HTML and Markdown) and ratios.
Templates format with Python's format spec through the `fmt` filter (report/templating.py)."""

from __future__ import annotations

import math
from typing import Any


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
