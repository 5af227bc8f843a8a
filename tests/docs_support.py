"""What the manual's hand-written pages promise, read back for the tests that hold them to the code."""

from __future__ import annotations

import re

from tests.synthetic_results import ROOT

OUTPUT = ROOT / "docs" / "output.md"
_TABLE_ROW = re.compile(r"^\| `analysis/(\w+)\.csv` \|(.*)$", re.MULTILINE)


def output_tables() -> dict[str, list[str]]:
    """docs/output.md's analysis tables: name -> the columns its row names (backticked, in its last cell)."""
    found: dict[str, list[str]] = {}
    for name, rest in _TABLE_ROW.findall(OUTPUT.read_text(encoding="utf-8")):
        last = rest.rstrip(" |").rsplit("|", 1)[-1]
        found[name] = re.findall(r"`(\w+)`", last)
    return found
