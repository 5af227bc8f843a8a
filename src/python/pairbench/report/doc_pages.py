"""Generated blocks of the manual's pages (docs/*.md), shared by the page generators: each block sits
between two marker comments (`<!-- name:start -->` ... `<!-- name:end -->`, the markers of
pairbench.configuration.params_doc) and the rest of the page is written by hand. `update_page` rewrites the
blocks, or with `check` only says whether the page is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from pairbench.configuration.config import ConfigError
from pairbench.configuration.params_doc import fill


def update_page(page: Path, blocks: dict[str, str], prog: str, check: bool = False) -> int:
    """0 when the page is (or now is) what the sources give; 1 when `check` finds it stale; 2 when a
    marker is missing (every missing marker named)."""
    try:
        text = page.read_text(encoding="utf-8")
        new = fill(text, blocks, source=str(page))
    except (OSError, ConfigError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    if check:
        if new != text:
            print(f"{page}: generated text differs from its sources; run `make docs`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        page.write_text(new, encoding="utf-8")
        print(f"{page}: generated text rewritten")
    return 0
