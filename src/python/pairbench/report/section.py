"""A section of the report: its id (the template templates/sections/<id>.html.j2 and the nav anchor), title,
whether report.md has it (as a macro <id> of templates/markdown_sections.md.j2, or, for a domain's section,
a template of its own, templates/sections/<id>.md.j2), and the table a run must have for it to appear."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    markdown: bool = True
    only_with: str = ""  # a table the run must have (non-empty) for the section to appear
    md_template: bool = False  # report.md uses templates/sections/<id>.md.j2 instead of a macro
