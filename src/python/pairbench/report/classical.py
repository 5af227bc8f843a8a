"""Report pieces specific to classical ML: its methods notes, cross-validation columns, scaling section."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CV_COLUMNS = [
    "algorithm",
    "dataset",
    "k",
    "metric",
    "baseline",
    "candidate",
    "baseline_mean",
    "baseline_ci_low",
    "baseline_ci_high",
    "candidate_mean",
    "candidate_ci_low",
    "candidate_ci_high",
    "paired_difference",
    "difference_ci_low",
    "difference_ci_high",
    "paired_t_p",
]


def classical_methods(selection: dict[str, Any]) -> list[str]:
    """Methods lines for the classical-ML cells of this run (none when the run has none)."""
    tasks = {c["task"] for c in selection.get("cells", []) if c.get("domain") == "classical_ml"}
    lines = []
    if "classification" in tasks or any(c.get("algorithm") in ("svr", "nusvr") for c in selection.get("cells", [])):
        lines.append(
            "SVMs: multi-class problems are solved one-vs-rest on both sides (linfa-svm is binary; scikit-learn "
            "is wrapped in OneVsRestClassifier instead of its one-vs-one SVC), prediction = largest decision "
            "value. Kernel mapping: sklearn rbf gamma = 1/eps of linfa's Gaussian; linfa's polynomial kernel has "
            "no gamma, so its records are scaled by sqrt(gamma); checked by comparing kernel matrices. Both are "
            "SMO solvers with the same stopping tolerance (libsvm tol = linfa eps) and shrinking off on both "
            "sides (linfa-svm 0.8.1's shrinking panics or returns wrong models). linfa precomputes the dense "
            "n x n kernel; libsvm caches kernel rows (200 MB). LinearSVC (liblinear, hinge loss) is compared with "
            "linfa's SMO with a linear kernel, whose intercept is not penalised; liblinear penalises it as the "
            "weight of a constant feature of value intercept_scaling (penalty b²/(2s²)), so the run sets "
            "intercept_scaling = 10 (a 100-fold smaller penalty; the intercepts then match libsvm's unpenalised "
            "ones to about 0.01 on iris and wine) and both sides solve the same problem."
        )
    sides = {
        fw["name"]
        for c in selection.get("cells", [])
        if c.get("domain") == "classical_ml"
        for fw in c.get("frameworks", [])
    }
    if "linfa-py" in sides:
        lines.append(
            "linfa-py: the linfa side called from Python through PyO3 (src/rust/linfa-py, built by maturin). It runs "
            "the same Rust functions as the pairbench-classical binary (one ALGORITHMS table per task), reads numpy "
            "arrays in place as ndarray views, and is timed by the same Python benchmark classes as scikit-learn. "
            "linfa / linfa-py is therefore the cost of the Python boundary and process, linfa-py / scikit-learn the "
            "library difference with Python around both."
        )
    if "clustering" in tasks:
        lines.append(
            "Clustering: the train split is clustered and scored (DBSCAN and agglomerative clustering cannot "
            "label unseen points); true labels only feed the adjusted Rand index; DBSCAN noise is left out of "
            "the internal indices. k-means: Lloyd, k-means++ with n_init runs seeded per library (different "
            "RNGs) or, with init=first_rows, both sides from the same centroids; scikit-learn's relative tol is "
            "translated to linfa's absolute centre-shift norm (sqrt(tol x mean variance)). Agglomerative: "
            "linfa-hierarchical gets K = exp(-d/s), so its -ln K is the Euclidean distance up to scale. "
            "Gaussian mixtures: full covariance only on linfa 0.8.1. Gate: ARI within 0.02 and silhouette "
            "within 0.01; a cell where both sides find fewer than 2 clusters (e.g. DBSCAN labelling every point "
            "noise), or where both sides' gate metric is within tolerance of chance (ARI 0, or a classifier's "
            "majority-class accuracy), is not comparable: agreement on a degenerate result is not parity. "
            "DBSCAN's eps and min_samples are set per dataset (benchmarks.yaml dataset_params), since one eps "
            "cannot suit 2 and 30 standardised dimensions."
        )
    if selection.get("params", {}).get("cv_folds"):
        lines.append(
            f"Cross-validation: {selection['params']['cv_folds']}-fold (stratified for classification) on the "
            "train split, fold ids written once with the dataset (sha256 in its manifest) and read by both "
            "sides; one untimed fit per fold and side; 95% Student-t intervals of the fold means and of the "
            "paired per-fold differences, paired t-test."
        )
    return lines


@dataclass(frozen=True)
class ScalingStudy:
    """What `pairbench scaling` measured, as lines, and its figure (SVG inline, PNG beside report.md)."""

    lines: list[str]
    svg: str
    png: bool


def scaling_study(scaling_dir: Path | None, out_dir: Path) -> ScalingStudy | None:
    """The scaling study of this run, None when it did not run; copies its figures next to the report."""
    doc_path = scaling_dir / "scaling.json" if scaling_dir else None
    if scaling_dir is None or doc_path is None or not doc_path.is_file():
        return None
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    svg = ""
    for ext in ("png", "svg"):
        src = scaling_dir / f"scaling.{ext}"
        if src.is_file():
            out_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, out_dir / src.name)
            if ext == "svg":
                text = src.read_text(encoding="utf-8")
                svg = text[text.find("<svg") :]
    lines = [
        f"Sizes requested: {', '.join(f'{n:,}' for n in doc['sizes'])} samples (80% used to fit); "
        f"{doc['samples']} timed fits per size and side; a side stops once a fit exceeds {doc['max_fit_s']:g} s."
    ]
    for algo, info in doc["algorithms"].items():
        slopes = ", ".join(f"{s} {v:.2f}" if v is not None else f"{s} n/a" for s, v in info["slopes"].items())
        reached = "; ".join(
            f"{s} up to n = {max(v):,}" if v else f"{s}: none" for s, v in info["sizes_reached"].items()
        )
        cross = " ".join(c["statement"] + "." for c in info["crossovers"])
        stops = " ".join(f"{s} stopped: {why}." for s, why in info["stopped"].items())
        lines.append(f"{algo} ({info['source']}): log-log slope {slopes}; {reached}. {cross} {stops}".strip())
    return ScalingStudy(lines, svg, (out_dir / "scaling.png").is_file())
