"""Methods lines on the catalogue itself: its layout, its stand-ins, the values phase 1 resolved, and
what of it could not run here and why."""

from __future__ import annotations

from typing import Any

# scikit-learn's definitions, as pairbench.configuration.point_values computes them.
GAMMA_RULES = {"scale": "1 / (n_features · Var(X_train))", "auto": "1 / n_features"}


def catalogue_lines(selection: dict[str, Any]) -> list[str]:
    """One line for a specification-layout catalogue, one per stand-in, one per resolved gamma rule, one
    per skipped catalogue entry (selection.json)."""
    lines = []
    if selection.get("layout") == "specification":
        settings = selection.get("run_settings") or {}
        lines.append(
            "Catalogue: written in the specification's layout (benchmarks: domain: task: {...}) and "
            "translated onto config/benchmarks.yaml; run-wide settings it set: "
            + (", ".join(f"{k} = {v}" for k, v in sorted(settings.items())) or "none")
            + "."
        )
    for s in (selection.get("spec_mapping") or {}).get("stand_ins", []):
        lines.append(
            f"Stand-in: the specification's {s['spec']} ran as pairbench's {s['pairbench']} "
            f"({s['domain']}/{s['task']}): {s['note']}."
        )
    lines += gamma_lines(selection.get("cells", []))
    for s in selection.get("skipped", []):
        where = "/".join(x for x in (s.get("domain"), s.get("task")) if x)
        lines.append(f"Skipped {s.get('kind')} {s.get('name')} ({where}): {s.get('reason')}.")
    return lines


def gamma_lines(cells: list[dict[str, Any]]) -> list[str]:
    """gamma "scale"/"auto" became a number per cell before either side ran: say which, on what data."""
    resolved: dict[str, dict[str, float]] = {}
    for cell in cells:
        rule = cell.get("params", {}).get("gamma_from")
        if rule in GAMMA_RULES:
            resolved.setdefault(rule, {})[cell["dataset"]] = float(cell["params"]["gamma"])
    return [
        f"gamma {rule!r} ({GAMMA_RULES[rule]}, scikit-learn's definition) was computed by phase 1 on each "
        "cell's training split and given to every side as a number: "
        + ", ".join(f"{ds} {value:.6g}" for ds, value in sorted(by_dataset.items()))
        + "."
        for rule, by_dataset in sorted(resolved.items())
    ]
