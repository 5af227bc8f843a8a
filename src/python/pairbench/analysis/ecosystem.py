"""Phase 6's facts as phase-5 tables, read from what phase 2 measured (implementations.json) and phase 1 chose
(selection.json): identity and build cost per framework, the project's own code lines per side, the defects
pairbench's probes re-checked in this run, and which algorithms of pairbench's catalogue each side implements.

These are facts, not scores. Three of them describe pairbench rather than the framework, and their tables say
so: the catalogue is pairbench's own (chosen to fit what the Rust side offers), the code lines are pairbench's
adapter code, and the findings are only the defects pairbench looked for. No score is built from them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pairbench.build.findings import affected_cells
from pairbench.core.registry import algorithms

MIB = 1024 * 1024
FACTS_COLUMNS = [
    "framework",
    "language",
    "version",
    "license",
    "repository",
    "crates_in_build",
    "binary_mb",
    "build_s_phase2",
    "cold_build_s",
    "incremental_build_s",
    "python_distributions",
    "python_install_mb",
    "project_code_lines",
    "counted_by",
]
CODE_LINES_COLUMNS = ["framework", "file", "unit", "code_lines"]
FINDINGS_COLUMNS = [
    "finding",
    "framework",
    "found_in",
    "status",
    "description",
    "evidence",
    "test",
    "affected_cells",
    "cells",
]
COVERAGE_COLUMNS = [
    "framework",
    "language",
    "version",
    "backend",
    "license",
    "domain",
    "task",
    "algorithms_covered",
    "algorithms_missing",
    "catalogue_coverage",
    "not_available",
    "available",
]


def facts_table(implementations: dict[str, Any]) -> pd.DataFrame:
    """One row per framework: identity and build cost as phase 2 measured them, and the lines of project code
    written for its side (pairbench's adapter, not the library)."""
    rows = []
    for name, impl in sorted(implementations.get("frameworks", {}).items()):
        f = impl.get("facts", {})
        py = f.get("python") or {}
        cold = f.get("build_cost_benchmark") or {}
        lines = f.get("effort") or {}
        size = f.get("binary_size_bytes")
        rows.append(
            {
                "framework": name,
                "language": f.get("language", impl.get("language", "")),
                "version": f.get("version", impl.get("version", "")),
                "license": f.get("license", ""),
                "repository": f.get("repository", ""),
                "crates_in_build": f.get("crate_count"),
                "binary_mb": round(size / MIB, 2) if size else None,
                "build_s_phase2": f.get("build_seconds_phase2"),
                "cold_build_s": cold.get("cold_build_s"),
                "incremental_build_s": cold.get("incremental_build_s"),
                "python_distributions": py.get("closure_distributions"),
                "python_install_mb": round(py["closure_install_bytes"] / MIB, 1)
                if py.get("closure_install_bytes")
                else None,
                "project_code_lines": lines.get("code_lines"),
                "counted_by": lines.get("tool", ""),
            }
        )
    return pd.DataFrame(rows, columns=FACTS_COLUMNS)


def code_lines_table(implementations: dict[str, Any]) -> pd.DataFrame:
    """Lines of pairbench's own code per side and source file (one file per task on each side): pygount's code
    lines, blank, comment and punctuation-only lines left out (its comment count is unreliable for Rust)."""
    rows = []
    for name, impl in sorted(implementations.get("frameworks", {}).items()):
        for path, n in sorted((impl.get("facts", {}).get("effort") or {}).get("files", {}).items()):
            unit = path.rsplit("/", 1)[-1].split(".")[0]
            rows.append({"framework": name, "file": path, "unit": unit, "code_lines": n["code"]})
    return pd.DataFrame(rows, columns=CODE_LINES_COLUMNS)


def findings_table(implementations: dict[str, Any], selection: dict[str, Any]) -> pd.DataFrame:
    """Each finding with its status from this run's probe and the cells of this run it affects."""
    decisions = [d for d in selection.get("decisions", []) if d.get("selected", True)]
    rows = []
    for name, f in sorted(implementations.get("findings", {}).items()):
        cells = affected_cells(f, decisions)
        rows.append(
            {
                "finding": name,
                "framework": f["framework"],
                "found_in": f["found_in"],
                "status": f["status"],
                "description": f["description"],
                "evidence": f.get("detail", ""),
                "test": f["test"],
                "affected_cells": len(cells),
                "cells": ", ".join(cells[:6]) + (f" … (+{len(cells) - 6})" if len(cells) > 6 else ""),
            }
        )
    return pd.DataFrame(rows, columns=FINDINGS_COLUMNS)


def coverage_table(selection: dict[str, Any], implementations: dict[str, Any]) -> pd.DataFrame:
    """One row per (framework, domain, task): which algorithms of pairbench's catalogue its side implements
    (a Rust side as its binary declares; a Python side as pairbench's registry has it)."""
    catalogue: dict[tuple[str, str], set[str]] = {}
    for decision in selection.get("decisions", []):
        catalogue.setdefault((decision["domain"], decision["task"]), set()).add(decision["algorithm"])
    rows = []
    for name, fw in sorted(selection.get("frameworks", {}).items()):
        impl = implementations.get("frameworks", {}).get(name, {})
        for domain in fw["domains"]:
            for (d, task), wanted in sorted(catalogue.items()):
                if d != domain:
                    continue
                if fw["language"] == "python" and "capabilities" not in impl:
                    have = set(algorithms(domain, task))
                else:
                    have = set(impl.get("capabilities", {}).get("domains", {}).get(domain, {}).get(task, []))
                covered = sorted(wanted & have)
                # Variants a framework lacks (e.g. GMM covariance types), as its binary declares them.
                lacking = impl.get("capabilities", {}).get("unavailable", {}).get(domain, {}).get(task, {})
                rows.append(
                    {
                        "framework": name,
                        "language": fw["language"],
                        "version": impl.get("version", ""),
                        "backend": fw["backend"],
                        "license": fw.get("license", ""),
                        "domain": domain,
                        "task": task,
                        "algorithms_covered": ", ".join(covered) or "-",
                        "algorithms_missing": ", ".join(sorted(wanted - have)) or "-",
                        "catalogue_coverage": f"{len(covered)}/{len(wanted)}",
                        "not_available": "; ".join(f"{a}: {why}" for a, why in sorted(lacking.items())) or "-",
                        "available": impl.get("available", False),
                    }
                )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def ecosystem_tables(selection: dict[str, Any], implementations: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The four fact tables (empty, with their columns, when the run gave no implementations.json)."""
    return {
        "facts": facts_table(implementations),
        "code_lines": code_lines_table(implementations),
        "findings": findings_table(implementations, selection),
        "coverage": coverage_table(selection, implementations),
    }
