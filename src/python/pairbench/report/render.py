"""Phase 6 report: one self-contained interactive HTML page (inline CSS, JS and SVG; nothing is
fetched), plus Markdown, JSON, CSV and Excel exports and a leaderboard, all views of one ReportContext.

Every measured number on the page links to the raw result file behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pairbench.report.context import ReportContext, build_context
from pairbench.report.exports import write_exports
from pairbench.report.sections import sections_of
from pairbench.report.templating import render


def render_views(ctx: ReportContext, out_dir: Path) -> None:
    """index.html and report.md, both laid out by the one section list."""
    sections = sections_of(ctx)
    (out_dir / "index.html").write_text(render("index.html.j2", ctx=ctx, sections=sections), encoding="utf-8")
    (out_dir / "report.md").write_text(render("report.md.j2", ctx=ctx, sections=sections), encoding="utf-8")


def render_report(
    analysis_dir: Path,
    out_dir: Path,
    *,
    selection_path: Path,
    environment_path: Path | None,
    implementations_path: Path | None,
    raw_href: str = "../raw/",
    scaling_dir: Path | None = None,
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = build_context(
        analysis_dir,
        out_dir,
        selection_path=selection_path,
        environment_path=environment_path,
        implementations_path=implementations_path,
        raw_href=raw_href,
        scaling_dir=scaling_dir,
    )
    render_views(ctx, out_dir)
    doc = ctx.doc
    write_exports(out_dir, ctx.tables, doc, ctx.analysis)
    return doc
