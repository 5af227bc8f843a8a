"""Defects pairbench found in the frameworks (config/findings.yaml) and the probes that re-check them.

A probe runs the real library on a small, seeded problem and says whether the defect is still there.
The linfa probes call linfa through the `linfa_py` extension, which runs the same Rust functions as the
`pairbench-classical` binary; the candle probe is computed by the candle binary itself and read from its
`capabilities`. Phase 2 runs every probe whose framework is in the run; the report shows each finding
as open ("reproduces in X") or "fixed in X".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairbench.configuration.config import load_yaml
from pairbench.core.paths import project_root


@dataclass(frozen=True)
class Evidence:
    reproduces: bool
    detail: str


Probe = Callable[[dict[str, Any]], Evidence]
_PROBES: dict[str, Probe] = {}


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        _PROBES[name] = fn
        return fn

    return register


def load_findings(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """config/findings.yaml, checked: every finding names a framework, a version, a test and a known probe."""
    path = path or project_root() / "config" / "findings.yaml"
    doc = load_yaml(path) or {}
    problems = []
    findings = doc.get("findings") or {}
    for name, entry in findings.items():
        for key in ("framework", "found_in", "description", "probe", "test", "cells"):
            if not entry.get(key):
                problems.append(f"{path}: findings.{name}.{key}: missing")
        if entry.get("probe") and entry["probe"] not in _PROBES:
            problems.append(
                f"{path}: findings.{name}.probe: unknown probe {entry['probe']!r}; "
                f"allowed: {', '.join(sorted(_PROBES))}"
            )
    if problems:
        raise ValueError("\n".join(problems))
    return dict(findings)


def _linfa_py() -> Any:
    import linfa_py

    return linfa_py


def _standardised(X: Any) -> Any:
    return (X - X.mean(axis=0)) / X.std(axis=0)


@probe("linfa_svm_shrinking")
def linfa_svm_shrinking(_: dict[str, Any]) -> Evidence:
    """nu-SVC (rbf) with shrinking on vs off, same data and tolerance: accuracy must not move by > 5 points."""
    import numpy as np
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=600, n_features=20, n_informative=10, n_classes=3, random_state=42)
    X = _standardised(X)
    y = y.astype(np.int64)
    accuracy = {}
    for shrinking in (False, True):
        params = {
            "nu": 0.1,
            "kernel": "rbf",
            "gamma": 0.05,
            "degree": 3,
            "coef0": 1.0,
            "tol": 1e-3,
            "shrinking": shrinking,
        }
        clf = _linfa_py().Classifier("nusvc", json.dumps(params))
        try:
            clf.fit(X, y)
        except BaseException as err:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
            if isinstance(err, KeyboardInterrupt):
                raise
            return Evidence(True, f"shrinking=True: fit panicked: {err}")
        scores = clf.decision(X)
        accuracy[shrinking] = float(np.mean(np.asarray(clf.classes)[np.argmax(scores, axis=1)] == y))
    gap = accuracy[False] - accuracy[True]
    return Evidence(
        abs(gap) > 0.05, f"nu-SVC train accuracy shrinking off {accuracy[False]:.3f}, on {accuracy[True]:.3f}"
    )


@probe("linfa_ridge_duality_gap")
def linfa_ridge_duality_gap(_: dict[str, Any]) -> Evidence:
    """Ridge (l1_ratio 0) on diabetes stops only at max_iter, while lasso on the same data converges."""
    import numpy as np
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X = _standardised(X)
    n_iter = {}
    for algo in ("ridge", "lasso"):
        params = {"alpha": 0.1, "fit_intercept": True, "tol": 1e-6, "max_iter": 1000}
        model = _linfa_py().Regressor(algo, json.dumps(params))
        model.fit(np.ascontiguousarray(X), y.astype(np.float64))
        n_iter[algo] = json.loads(model.metadata())
    ridge, lasso = n_iter["ridge"], n_iter["lasso"]
    return Evidence(
        ridge["n_iter"] >= 1000 and lasso["n_iter"] < 1000,
        f"ridge: {ridge['n_iter']} sweeps (max_iter 1000), duality gap {ridge['duality_gap']:.3g} "
        f"vs tol 1e-6; lasso: {lasso['n_iter']} sweeps",
    )


@probe("linfa_intercept_centering")
def linfa_intercept_centering(_: dict[str, Any]) -> Evidence:
    """Lasso with an intercept on features of mean 10: linfa vs scikit-learn's solution of the same objective."""
    import numpy as np
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(42)
    X = rng.normal(loc=10.0, scale=1.0, size=(500, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 3.0 + rng.normal(scale=0.1, size=500)
    params = {"alpha": 0.01, "fit_intercept": True, "tol": 1e-10, "max_iter": 100000}
    model = _linfa_py().Regressor("lasso", json.dumps(params))
    model.fit(X, y)
    reference = Lasso(alpha=0.01, fit_intercept=True, tol=1e-10, max_iter=100000).fit(X, y)
    probe_x = np.array([[10.0, 10.0, 10.0]])
    linfa_pred = float(model.predict(probe_x)[0])
    sklearn_pred = float(reference.predict(probe_x)[0])
    rmse_linfa = float(np.sqrt(np.mean((model.predict(X) - y) ** 2)))
    rmse_sklearn = float(np.sqrt(np.mean((reference.predict(X) - y) ** 2)))
    return Evidence(
        abs(rmse_linfa - rmse_sklearn) > 0.01 * rmse_sklearn,
        f"train RMSE linfa {rmse_linfa:.4f} vs scikit-learn {rmse_sklearn:.4f}; "
        f"prediction at the feature mean {linfa_pred:.3f} vs {sklearn_pred:.3f}",
    )


@probe("linfa_gmm_full_only")
def linfa_gmm_full_only(_: dict[str, Any]) -> Evidence:
    """The binding (same code as the binary) declares which GMM covariance types linfa lacks."""
    caps = json.loads(_linfa_py().capabilities())
    lacking = caps.get("unavailable", {}).get("classical_ml", {}).get("clustering", {}).get("gaussian_mixture")
    return Evidence(bool(lacking), lacking or "every covariance type available")


@probe("candle_dropout_rng")
def candle_dropout_rng(implementation: dict[str, Any]) -> Evidence:
    """Computed by the candle binary (`capabilities`.findings): can the CPU RNG behind dropout be seeded?"""
    found = implementation.get("capabilities", {}).get("findings", {}).get("candle_dropout_rng")
    if found is None:
        raise LookupError("the candle binary's capabilities carry no candle_dropout_rng probe")
    return Evidence(bool(found["reproduces"]), str(found["detail"]))


def check_findings(
    implementations: dict[str, Any], findings: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Run the probe of every finding whose framework is available in this run: status per finding."""
    findings = load_findings() if findings is None else findings
    out: dict[str, Any] = {}
    for name, entry in findings.items():
        impl = implementations.get(entry["framework"])
        record = {k: entry[k] for k in ("framework", "found_in", "description", "test", "cells")}
        if impl is None or not impl.get("available"):
            out[name] = {**record, "status": "not checked", "detail": "framework not in this run"}
            continue
        # The version of the library behind the framework (linfa for linfa's findings, read from Cargo).
        version = impl.get("facts", {}).get("version") or impl.get("version", "")
        try:
            ev = _PROBES[entry["probe"]](impl)
        except Exception as err:  # a probe that cannot run is recorded, not fatal to the build phase
            out[name] = {**record, "status": "not checked", "detail": f"probe failed: {err}"}
            continue
        status = f"reproduces in {version}" if ev.reproduces else f"fixed in {version}"
        out[name] = {
            **record,
            "status": status,
            "reproduces": ev.reproduces,
            "checked_version": version,
            "detail": ev.detail,
        }
    return out


def affected_cells(finding: dict[str, Any], decisions: list[dict[str, Any]]) -> list[str]:
    """The cell ids of this run a finding applies to (its algorithms and params filter)."""
    spec = finding.get("cells", {})
    algos = set(spec.get("algorithms", []))
    wanted = {k: (v if isinstance(v, list) else [v]) for k, v in (spec.get("params") or {}).items()}
    return [
        d["cell_id"]
        for d in decisions
        if d["algorithm"] in algos and all(d["params"].get(k) in vs for k, vs in wanted.items())
    ]
