"""Phase 6 ecosystem assessment: what each framework offers, at which version, covering how much."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pairbench.registry import algorithms


def ecosystem_table(selection: dict[str, Any], implementations: dict[str, Any]) -> pd.DataFrame:
    """One row per framework: version, backend, licence and algorithm coverage of the catalogue."""
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
                if fw["language"] == "python":
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
                        "coverage": f"{len(covered)}/{len(wanted)}",
                        "not_available": "; ".join(f"{a}: {why}" for a, why in sorted(lacking.items())) or "-",
                        "available": impl.get("available", False),
                    }
                )
    return pd.DataFrame(rows)
