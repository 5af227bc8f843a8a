"""The original specification's catalogue layout, translated onto pairbench's own catalogue.

Users arriving from the specification write

    benchmarks: <domain>: <task>: {datasets, algorithms, metrics, hyperparameters, repetitions,
                                   cross_validation_folds, statistical_significance_level, power_analysis}

That layout names what to run but not how (data sources, quality gates, frameworks, every parameter's
value), so it is read as a selection over, and an override of, the shipped config/benchmarks.yaml:

- its shape is checked by schemas/spec_benchmarks.schema.json (pairbench.configuration.schema_check);
- every name is checked against the shipped catalogue, with the usual `allowed:` list;
- `hyperparameters` replace the shipped values of the algorithm's parameters; a list is a grid axis;
- `repetitions` is the timed samples per launch of that task's cells (`--samples` for the others);
- `cross_validation_folds`, `statistical_significance_level` and `power_analysis` are run-wide settings
  (`--cv_folds`, `--alpha`, analysis.yaml `power:`): every task that sets one must agree;
- a dataset that only comes by download, or an environment whose package is not installed, is not an
  error: it is listed as skipped, with the reason, in selection.json and the report.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

from pairbench.configuration.config import Catalogue, ConfigError, TaskSpec, _Problems, load_catalogue
from pairbench.configuration.schema_check import schema_problems
from pairbench.core.paths import config_dir

# The specification's wording for names pairbench spells differently.
DOMAIN_ALIASES = {"reinforcement_learning": "rl", "large_language_models": "llm", "classical": "classical_ml"}
ALGORITHM_ALIASES = {
    "linear_regression": "linear",
    "ridge_regression": "ridge",
    "lasso_regression": "lasso",
    "elasticnet": "elastic_net",
    "k_means": "kmeans",
    "gmm": "gaussian_mixture",
}
METRIC_ALIASES = {
    "r2_score": "r2",
    "f1_score": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
    "silhouette_score": "silhouette",
    "adjusted_rand_index": "adjusted_rand",
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "peak_memory": "memory_usage",
}

# What pairbench measures for every task, and the quality metrics each task's scorer computes
# (pairbench.metrics: one scorer for every side's predictions).
MEASURED = ("training_time", "inference_time", "latency", "throughput", "memory_usage")
_REGRESSION = ("r2", "rmse", "mae", "mse", "mape", "explained_variance")
QUALITY_METRICS: dict[str, tuple[str, ...]] = {
    "regression": _REGRESSION,
    "classification": ("accuracy", "f1_macro", "precision_macro", "recall_macro", "auc_roc", "auc_pr"),
    "clustering": ("adjusted_rand", "silhouette", "calinski_harabasz", "davies_bouldin", "inertia"),
    "image_classification": ("accuracy", "loss_curve"),
    "sequence_classification": ("accuracy", "loss_curve"),
    "forecasting": (*_REGRESSION, "loss_curve"),
    "policy": ("mean_return", "solved_fraction", "loss_curve"),
    "solve": ("mean_return", "solved_fraction"),
    "sentence_embedding": (
        "embedding_cosine_min",
        "embedding_cosine_mean",
        "token_id_agreement",
        "paraphrase_win_rate",
    ),
    "text_generation": ("logit_max_abs_diff", "top1_agreement", "greedy_agreement", "perplexity", "perplexity_rel_dev"),
}

# Names from the specification that pairbench recognises but cannot run here. `None`: the data only
# comes by download, which pairbench never does at run time. A module name: the environment needs that
# Python package; without it the entry is skipped (with it, it still lacks a port to both sides).
EXTERNAL: dict[str, tuple[str, str | None]] = {
    "boston_housing": ("removed from scikit-learn 1.2; only available by download", None),
    "california_housing": ("scikit-learn's fetch_california_housing downloads it", None),
    "covertype": ("scikit-learn's fetch_covtype downloads it", None),
    "fashion_mnist": ("only available by download", None),
    "cifar100": ("only available by download", None),
    "imagenet": ("only available by download (and a licence)", None),
    "imdb": ("only available by download", None),
    "wikitext": ("only available by download (Hugging Face hub)", None),
    "pong": ("Atari Pong", "ale_py"),
    "breakout": ("Atari Breakout", "ale_py"),
    "lunar_lander": ("gymnasium's LunarLander", "Box2D"),
    "half_cheetah": ("gymnasium's HalfCheetah", "mujoco"),
}


def is_spec_layout(doc: dict[str, Any]) -> bool:
    return "benchmarks" in doc and "domains" not in doc


def external_reason(name: str) -> str:
    what, module = EXTERNAL[name]
    if module is None:
        return f"dataset {name!r}: {what}; pairbench never downloads at run time"
    if importlib.util.find_spec(module) is None:
        return f"environment {name!r}: {what} needs python module {module!r}, which is not installed"
    return f"environment {name!r}: {what} ({module} is installed) has no port to both sides yet"


def _names(
    p: _Problems, key: str, given: list[str], allowed: list[str], aliases: dict[str, str], what: str
) -> list[str]:
    out = []
    for name in given:
        name = aliases.get(name, name)
        if name not in allowed:
            p.add(key, f"unknown {what} {name!r}", allowed or "<none>")
        elif name not in out:
            out.append(name)
    return out


def _power(value: Any) -> dict[str, Any]:
    """`power_analysis` as analysis.yaml's `power:` section: a number is the power; true or false keeps
    analysis.yaml's values (the analysis always reports the samples needed, so it cannot be switched off)."""
    if isinstance(value, dict):
        return dict(value)
    return {} if isinstance(value, bool) else {"power": value}


# spec key -> (run-wide setting, where pairbench reads it otherwise)
_RUN_WIDE = {
    "cross_validation_folds": ("cv_folds", "--cv_folds"),
    "statistical_significance_level": ("alpha", "--alpha"),
    "power_analysis": ("power", "analysis.yaml power:"),
}


def translate(doc: dict[str, Any], path: Path, base: Catalogue) -> Catalogue:
    """The catalogue `doc` (spec layout) selects from `base`, or ConfigError listing every problem."""
    p = _Problems(str(path))
    p.items.extend(schema_problems(doc, "spec_benchmarks", str(path)))
    if p.items:  # names are only checked in a well-shaped document
        raise ConfigError(p.items)
    by_domain: dict[str, dict[str, TaskSpec]] = {}
    for t in base.tasks:
        by_domain.setdefault(t.domain, {})[t.task] = t
    tasks: list[TaskSpec] = []
    skipped: list[dict[str, Any]] = []
    run_wide: dict[str, tuple[Any, str]] = {}
    seen: dict[str, str] = {}
    for domain_given, dentry in doc["benchmarks"].items():
        domain = DOMAIN_ALIASES.get(domain_given, domain_given)
        dkey = f"benchmarks.{domain_given}"
        if domain not in by_domain:
            p.add(dkey, "unknown domain", sorted(by_domain))
            continue
        if domain in seen:
            p.add(dkey, f"the same domain as {seen[domain]}; give its tasks once")
            continue
        seen[domain] = dkey
        for task_name, tentry in dentry.items():
            tkey = f"{dkey}.{task_name}"
            shipped = by_domain[domain].get(task_name)
            if shipped is None:
                p.add(tkey, f"unknown task of {domain}", sorted(by_domain[domain]))
                continue
            skipped += [
                {"kind": "dataset", "name": name, "domain": domain, "task": task_name, "reason": external_reason(name)}
                for name in tentry["datasets"]
                if name in EXTERNAL
            ]
            tasks.append(_task(p, tkey, shipped, tentry))
            _run_wide(p, tkey, tentry, run_wide)
    if p.items:
        raise ConfigError(p.items)
    domains = {t.domain for t in tasks}
    used = {ds for t in tasks for ds in t.datasets}
    return replace(
        base,
        tasks=tasks,
        datasets={n: s for n, s in base.datasets.items() if n in used},
        domain_frameworks={d: fws for d, fws in base.domain_frameworks.items() if d in domains},
        skipped=tuple(skipped),
        run_settings={k: v for k, (v, _) in run_wide.items()},
        layout="specification",
    )


def _task(p: _Problems, tkey: str, shipped: TaskSpec, tentry: dict[str, Any]) -> TaskSpec:
    """One spec task as the shipped task, narrowed to its names and with its hyperparameters applied."""
    datasets = _names(
        p,
        f"{tkey}.datasets",
        [d for d in tentry["datasets"] if d not in EXTERNAL],
        list(shipped.datasets),
        {},
        "dataset",
    )
    algos = _names(
        p, f"{tkey}.algorithms", tentry["algorithms"], sorted(shipped.algorithms), ALGORITHM_ALIASES, "algorithm"
    )
    metrics = _names(
        p,
        f"{tkey}.metrics",
        tentry.get("metrics", []),
        [*QUALITY_METRICS.get(shipped.task, ()), *MEASURED],
        METRIC_ALIASES,
        "metric",
    )
    params = {a: dict(shipped.algorithms[a]) for a in algos}
    per_dataset = {
        a: {ds: dict(ov) for ds, ov in shipped.dataset_params.get(a, {}).items() if ds in datasets} for a in algos
    }
    for algo_given, grid in (tentry.get("hyperparameters") or {}).items():
        algo = ALGORITHM_ALIASES.get(algo_given, algo_given)
        hkey = f"{tkey}.hyperparameters.{algo_given}"
        if algo not in params:
            p.add(hkey, "not one of this task's algorithms", algos or "<none>")
            continue
        for name, value in grid.items():
            if name not in shipped.algorithms[algo]:
                p.add(f"{hkey}.{name}", f"not a parameter of {algo}", sorted(shipped.algorithms[algo]))
                continue
            params[algo][name] = value
            # The user's value wins over a shipped per-dataset one (DBSCAN's eps per dataset).
            for ov in per_dataset[algo].values():
                ov.pop(name, None)
    return replace(
        shipped,
        datasets=tuple(datasets),
        algorithms=params,
        dataset_params={a: ov for a, ov in per_dataset.items() if ov},
        metrics=tuple(metrics),
        samples=tentry.get("repetitions"),
    )


def _run_wide(p: _Problems, tkey: str, tentry: dict[str, Any], run_wide: dict[str, tuple[Any, str]]) -> None:
    """Record the task's run-wide settings; a value that differs from another task's is a problem."""
    for spec_key, (setting, where) in _RUN_WIDE.items():
        if spec_key not in tentry:
            continue
        value = _power(tentry[spec_key]) if setting == "power" else tentry[spec_key]
        if value == {}:  # power_analysis: true sets nothing, so it agrees with any other task
            continue
        if setting in run_wide and run_wide[setting][0] != value:
            p.add(
                f"{tkey}.{spec_key}",
                f"{tentry[spec_key]!r} differs from {run_wide[setting][1]}: it is one setting per run ({where})",
                f"{run_wide[setting][0]!r}",
            )
        run_wide.setdefault(setting, (value, f"{tkey}.{spec_key}"))


def load_spec_catalogue(doc: dict[str, Any], path: Path, frameworks_path: Path) -> Catalogue:
    return translate(doc, path, load_catalogue(config_dir() / "benchmarks.yaml", frameworks_path))
