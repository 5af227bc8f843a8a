"""Methods lines on the catalogue itself: its layout, and what of it could not run here and why."""

from __future__ import annotations

from typing import Any


def catalogue_lines(selection: dict[str, Any]) -> list[str]:
    """One line for a specification-layout catalogue, one per skipped catalogue entry (selection.json)."""
    lines = []
    if selection.get("layout") == "specification":
        settings = selection.get("run_settings") or {}
        lines.append(
            "Catalogue: written in the specification's layout (benchmarks: domain: task: {...}) and "
            "translated onto config/benchmarks.yaml; run-wide settings it set: "
            + (", ".join(f"{k} = {v}" for k, v in sorted(settings.items())) or "none")
            + "."
        )
    for s in selection.get("skipped", []):
        where = "/".join(x for x in (s.get("domain"), s.get("task")) if x)
        lines.append(f"Skipped {s.get('kind')} {s.get('name')} ({where}): {s.get('reason')}.")
    return lines
