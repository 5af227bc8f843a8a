"""Phase 6 ecosystem assessment: what each framework offers, at which version, covering how much."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pairbench.core.registry import algorithms


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
                        "coverage": f"{len(covered)}/{len(wanted)}",
                        "not_available": "; ".join(f"{a}: {why}" for a, why in sorted(lacking.items())) or "-",
                        "available": impl.get("available", False),
                    }
                )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# Facts (phase 2), findings, maturity and the three-way decomposition.

MIB = 1024 * 1024


def facts_table(implementations: dict[str, Any]) -> pd.DataFrame:
    """One row per framework: identity, build cost and effort, as phase 2 measured them."""
    rows = []
    for name, impl in sorted(implementations.get("frameworks", {}).items()):
        f = impl.get("facts", {})
        py = f.get("python") or {}
        cold = f.get("build_cost_benchmark") or {}
        effort = f.get("effort") or {}
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
                "code_lines": effort.get("code_lines"),
                "counted_by": effort.get("tool", ""),
            }
        )
    return pd.DataFrame(rows)


def effort_table(implementations: dict[str, Any]) -> pd.DataFrame:
    """Lines of code per framework and source file (one file per task on each side). pygount's code lines: blank,
    comment and punctuation-only lines left out (its comment count is unreliable for Rust, so it is not shown)."""
    rows = []
    for name, impl in sorted(implementations.get("frameworks", {}).items()):
        for path, n in sorted((impl.get("facts", {}).get("effort") or {}).get("files", {}).items()):
            rows.append(
                {
                    "framework": name,
                    "file": path,
                    "unit": path.rsplit("/", 1)[-1].split(".")[0],
                    "code_lines": n["code"],
                }
            )
    return pd.DataFrame(rows)


def findings_table(implementations: dict[str, Any], selection: dict[str, Any]) -> pd.DataFrame:
    """Each finding with its status from this run's probe and the cells of this run it affects."""
    from pairbench.build.findings import affected_cells

    # The cells of this run: selected ones only.
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
    return pd.DataFrame(rows)


MATURITY_FORMULA = (
    "maturity = mean of the components that could be measured, each in [0, 1]: "
    "coverage = catalogue algorithms implemented / catalogue algorithms of the domain; "
    "quality = gated pairs against the baseline that passed the quality gate / gated pairs; "
    "speed = decided same-algorithm comparisons against the baseline not slower (faster or equivalent) / decided "
    "ones (inconclusive ones are left out and counted beside it; best-available ones are not a language's result); "
    "defects = 1 / (1 + findings open in this run's version); "
    "effort = min(1, baseline code lines / framework code lines) (the same benchmarks written in fewer lines "
    "score 1); build = min(1, 120 s / cold release build time) (unmeasured: left out). "
    "Rule: ready if maturity >= 0.8 and coverage >= 0.9; partly ready if maturity >= 0.5; else not ready. "
    "TRL mapping (pairbench's rule, not a certification): ready = TRL 8 (complete, qualified by tests on real "
    "tasks), partly ready = TRL 6-7 (demonstrated on real tasks with gaps), not ready = TRL 5 or below."
)
MATURITY_AXES = ["coverage", "quality", "speed", "defects", "effort", "build"]


def _share(mask: pd.Series) -> float | None:
    return float(mask.mean()) if len(mask) else None


def maturity_table(
    selection: dict[str, Any],
    implementations: dict[str, Any],
    ecosystem: pd.DataFrame,
    comparisons: pd.DataFrame,
    quality_parity: pd.DataFrame,
) -> pd.DataFrame:
    """Maturity per (domain, framework other than the domain baseline), by MATURITY_FORMULA."""
    frameworks = implementations.get("frameworks", {})
    open_findings: dict[str, int] = {}
    for f in implementations.get("findings", {}).values():
        if str(f.get("status", "")).startswith("reproduces"):
            open_findings[f["framework"]] = open_findings.get(f["framework"], 0) + 1
    domain_sides: dict[str, list[str]] = {}
    for cell in selection.get("cells", []):
        names = [fw["name"] for fw in cell["frameworks"]]
        known = domain_sides.setdefault(cell["domain"], names)
        known.extend(n for n in names if n not in known)
    # A binding inherits the defects of the library it wraps: linfa-py (crate linfa) counts linfa's findings.
    crate_of = {n: ((f.get("facts") or {}).get("crate") or {}).get("name") for n, f in frameworks.items()}

    def n_open(name: str) -> int:
        same = {n for n, c in crate_of.items() if c and c == crate_of.get(name)} | {name}
        return sum(open_findings.get(n, 0) for n in same)

    rows = []
    for domain, sides in sorted(domain_sides.items()):
        baseline = sides[0]
        base_lines = (frameworks.get(baseline, {}).get("facts", {}).get("effort") or {}).get("code_lines")
        for name in sides[1:]:
            facts = frameworks.get(name, {}).get("facts", {})
            eco = (
                ecosystem[(ecosystem["framework"] == name) & (ecosystem["domain"] == domain)]
                if not ecosystem.empty
                else ecosystem
            )
            covered = sum(int(c.split("/")[0]) for c in eco["coverage"]) if len(eco) else 0
            wanted = sum(int(c.split("/")[1]) for c in eco["coverage"]) if len(eco) else 0
            cmp = comparisons
            if not cmp.empty:
                cmp = cmp[(cmp["domain"] == domain) & (cmp["candidate"] == name) & (cmp["reference"] == baseline)]
            if len(cmp) and "comparison_kind" in cmp:  # a language's score: same-algorithm comparisons only
                cmp = cmp[cmp["comparison_kind"] == "same_algorithm"]
            undecided = int((cmp["outcome"] == "inconclusive").sum()) if len(cmp) else 0
            cmp = cmp[cmp["outcome"] != "inconclusive"] if len(cmp) else cmp
            qp = quality_parity
            if not qp.empty and "candidate" in qp:
                cells = {c["cell_id"] for c in selection.get("cells", []) if c["domain"] == domain}
                qp = qp[(qp["candidate"] == name) & (qp["baseline"] == baseline) & qp["cell_id"].isin(cells)]
            lines = (facts.get("effort") or {}).get("code_lines")
            cold = (facts.get("build_cost_benchmark") or {}).get("cold_build_s")
            comp: dict[str, float | None] = {
                "coverage": covered / wanted if wanted else None,
                "quality": _share(qp["comparable"].astype(str).str.lower() == "true") if len(qp) else None,
                "speed": _share(cmp["outcome"] != "slower") if len(cmp) else None,
                "defects": 1.0 / (1 + n_open(name)),
                "effort": min(1.0, base_lines / lines) if base_lines and lines else None,
                "build": min(1.0, 120.0 / cold) if cold else None,
            }
            measured = [v for v in comp.values() if v is not None]
            score = sum(measured) / len(measured) if measured else float("nan")
            cov = comp["coverage"] or 0.0
            readiness = "ready" if score >= 0.8 and cov >= 0.9 else "partly ready" if score >= 0.5 else "not ready"
            rows.append(
                {
                    "domain": domain,
                    "framework": name,
                    "language": frameworks.get(name, {}).get("language"),
                    "baseline": baseline,
                    **{k: None if v is None else round(v, 3) for k, v in comp.items()},
                    "maturity": round(score, 3),
                    "readiness": readiness,
                    "coverage_detail": f"{covered}/{wanted}",
                    "gate_detail": f"{int((qp['comparable'].astype(str).str.lower() == 'true').sum())}/{len(qp)}"
                    if len(qp)
                    else "-",
                    "speed_detail": f"{int((cmp['outcome'] != 'slower').sum())}/{len(cmp)}" if len(cmp) else "-",
                    "speed_inconclusive": undecided,
                    "open_findings": n_open(name),
                }
            )
    return pd.DataFrame(rows)


DOMAIN_WORDS = {"classical_ml": "classical ML", "deep_learning": "deep learning"}


def readiness_lines(maturity: pd.DataFrame) -> list[str]:
    """One executive-summary line per domain, from its best Rust framework's maturity row."""
    lines = []
    if maturity.empty:
        return lines
    rust = maturity[maturity["language"] == "rust"]
    for domain, g in rust.groupby("domain"):
        best = g.sort_values("maturity", ascending=False).iloc[0]
        because = [f"{best['framework']} covers {best['coverage_detail']} catalogue algorithms"]
        if best["gate_detail"] != "-":
            because.append(f"passes the quality gate in {best['gate_detail']} pairs")
        if best["speed_detail"] != "-":
            because.append(
                f"is not slower than {best['baseline']} in {best['speed_detail']} decided comparisons"
                + (f" ({int(best['speed_inconclusive'])} inconclusive)" if best.get("speed_inconclusive") else "")
            )
        because.append(f"has {int(best['open_findings'])} open defect finding(s)")
        lines.append(
            f"Rust is {best['readiness']} for {DOMAIN_WORDS.get(str(domain), domain)}, because "
            + ", ".join(because)
            + f" (maturity {best['maturity']:.2f})."
        )
    return lines


DECOMPOSITION = (
    ("library", "linfa-py", "scikit-learn"),
    ("boundary + process", "linfa", "linfa-py"),
    ("total", "linfa", "scikit-learn"),
)


def decomposition_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The three effects per classical cell and phase, each a time ratio with its bootstrap CI, taken from the
    run's comparisons: library = linfa-py / scikit-learn (Python around both), boundary + process =
    linfa / linfa-py (same Rust code, native process vs PyO3 call), total = linfa / scikit-learn.
    library x boundary = total, up to the medians' rounding."""
    if comparisons.empty:
        return pd.DataFrame()
    cmp = comparisons[comparisons["domain"] == "classical_ml"]
    rows = []
    for (cell, phase), g in cmp.groupby(["cell_id", "phase"], sort=True):
        found = {}
        for effect, cand, ref in DECOMPOSITION:
            hit = g[(g["candidate"] == cand) & (g["reference"] == ref)]
            inv = g[(g["candidate"] == ref) & (g["reference"] == cand)]
            if len(hit):
                r = hit.iloc[0]
                found[effect] = (
                    r["ratio"],
                    r["ratio_ci_low"],
                    r["ratio_ci_high"],
                    r["outcome"],
                    r["p_holm"],
                    r["verdict"],
                )
            elif len(inv):
                r = inv.iloc[0]
                flip = {"faster": "slower", "slower": "faster"}
                outcome = flip.get(r["outcome"], r["outcome"])
                found[effect] = (
                    1 / r["ratio"],
                    1 / r["ratio_ci_high"],
                    1 / r["ratio_ci_low"],
                    outcome,
                    r["p_holm"],
                    f"{cand} {outcome}" if outcome in flip else outcome,
                )
        if len(found) < 3:
            continue
        first = g.iloc[0]
        for effect, cand, ref in DECOMPOSITION:
            ratio, low, high, outcome, p, verdict = found[effect]
            rows.append(
                {
                    "cell_id": cell,
                    "task": first["task"],
                    "algorithm": first["algorithm"],
                    "dataset": first["dataset"],
                    "phase": phase,
                    "effect": effect,
                    "candidate": f"{effect}: {cand}",
                    "reference": ref,
                    "ratio": ratio,
                    "ratio_ci_low": low,
                    "ratio_ci_high": high,
                    "outcome": outcome,
                    "p_holm": p,
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows)
