"""The Jinja2 environment of the report: templates and static files are package data (templates/,
static/). HTML templates (*.html.j2) autoescape; Markdown and plain-text ones do not (md_table escapes pipes)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from pairbench.report.classical import CV_COLUMNS
from pairbench.report.exports import LEADERBOARD_COLS, md_table


def _autoescape(name: str | None) -> bool:
    return name is None or name.endswith(".html.j2")


def static(name: str) -> Markup:
    """A static file's text, inlined into the page so that nothing is fetched (the file is ours, not data)."""
    return Markup(resources.files("pairbench.report").joinpath("static", name).read_text(encoding="utf-8"))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pairbench.report", "templates"),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        static=static,
        CV_COLUMNS=CV_COLUMNS,
        LEADERBOARD_COLS=LEADERBOARD_COLS,
    )
    env.filters["md_table"] = md_table
    env.filters["fmt"] = format  # Python's format spec: {{ x|fmt(".1%") }}
    # Charts are SVG drawn by report/charts.py, which escapes every text it places.
    env.filters["svg"] = Markup
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def render_macro(template: str, macro: str, *args: Any) -> str:
    return str(getattr(environment().get_template(template).module, macro)(*args))
