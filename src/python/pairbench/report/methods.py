"""The methods section: how every number was measured and tested, as plain lines (report.json's
`methods`, report.md's list and the page's). The text is templates/methods.txt.j2, filled from the run;
each domain appends its own notes (report/domains/), and the nodes that ran the launches."""

from __future__ import annotations

from typing import Any

from pairbench.analysis.readiness import RULE_TEXT
from pairbench.report.catalogue import catalogue_lines
from pairbench.report.domains import SECTIONS as DOMAIN_SECTIONS
from pairbench.report.templating import render


def methods_lines(
    selection: dict[str, Any], environment: dict[str, Any], analysis: dict[str, Any], phases: list[str]
) -> list[str]:
    from pairbench.core.protocol import Protocol

    p = selection.get("params", {})
    cells = selection.get("cells") or []
    first = cells[0].get("protocol") if cells else None
    protocol = Protocol.from_json(first, "selection.json cells[0]") if first else Protocol()
    text = render(
        "methods.txt.j2",
        p=p,
        par=p.get("max_parallel_benchmarks", 1),
        par_training=p.get("max_parallel_training", 1),
        training=any(int(c.get("launches") or 0) > 0 for c in selection.get("cells", [])),
        defaults=selection.get("defaults", {}),
        phases=phases,
        proto=protocol,
        rustc=environment.get("rust", {}).get("rustc", "rustc version unknown"),
        s=analysis.get("settings", {}),
        n_cmp=analysis.get("n_cmp", 0),
        rule=analysis.get("stopping_rule"),
        calib=analysis.get("calibration"),
        rank=analysis.get("analysis_config", {}).get("ranking", {}),
        machine=analysis.get("machine"),
    )
    lines = [" ".join(paragraph.split("\n")) for paragraph in text.strip().split("\n\n")]
    domains = [line for d in DOMAIN_SECTIONS for line in d.methods(selection)]
    return [*lines, f"Readiness: {RULE_TEXT}", *domains, *node_lines(analysis), *catalogue_lines(selection)]


def node_lines(analysis: dict[str, Any]) -> list[str]:
    """Which node (hostname, CPU model) ran which launches, and the cells refused for mixing CPU models."""
    ran: dict[tuple[str, str], list[str]] = {}
    for n in analysis.get("nodes") or []:
        ran.setdefault((n["host"], n["cpu_model"]), []).append(f"{n['framework']} ({n['launches']})")
    lines = [
        f"Node {host} ({cpu}) ran the launches of: {', '.join(frameworks)}."
        for (host, cpu), frameworks in sorted(ran.items())
    ]
    if len({cpu for _, cpu in ran}) > 1:
        lines.append("Launches ran on more than one CPU model: samples are compared only within one CPU model.")
    mixed = analysis.get("mixed_cpu_models") or {}
    if mixed:
        lines.append(
            f"Not compared (mixed_cpu_models): {len(mixed)} cell(s) whose launches ran on more than one CPU "
            f"model, listed under Failures: {', '.join(sorted(mixed))}."
        )
    return lines
