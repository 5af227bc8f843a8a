"""The original specification's catalogue layout (benchmarks: <domain>: <task>: {...}) through phase 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pairbench.cli.main import main
from pairbench.configuration.config import ConfigError, load_catalogue
from pairbench.configuration.spec_layout import EXTERNAL, QUALITY_METRICS
from pairbench.core.paths import config_dir

FRAMEWORKS = config_dir() / "frameworks.yaml"

# Every domain and task pairbench knows, written as the specification writes it (its domain and
# algorithm wording included), with datasets that need a download or a package that is not installed.
SPEC: dict[str, Any] = {
    "benchmarks": {
        "classical_ml": {
            "regression": {
                "datasets": ["diabetes", "synthetic_linear", "california_housing", "boston_housing"],
                "algorithms": ["linear_regression", "ridge", "lasso", "elastic_net", "svr", "nusvr"],
                "metrics": ["rmse", "mae", "r2_score", "training_time", "inference_time", "memory_usage"],
                "hyperparameters": {
                    "ridge": {"alpha": [0.1, 1.0, 10.0]},
                    "elastic_net": {"alpha": [0.1, 1.0], "l1_ratio": [0.2, 0.8]},
                },
                "repetitions": 20,
                "cross_validation_folds": 5,
                "statistical_significance_level": 0.01,
                "power_analysis": {"power": 0.9, "effect": 0.05},
            },
            "classification": {
                "datasets": ["iris", "wine", "breast_cancer", "digits_tabular", "synthetic_classification"],
                "algorithms": ["svc", "nusvc", "linearsvc"],
                "metrics": ["accuracy", "f1_score", "precision", "recall", "auc_roc"],
                "hyperparameters": {"svc": {"C": [0.1, 1.0], "kernel": "linear"}},
                "repetitions": 10,
                "cross_validation_folds": 5,
                "statistical_significance_level": 0.01,
            },
            "clustering": {
                "datasets": ["iris", "synthetic_blobs", "synthetic_moons", "synthetic_circles"],
                "algorithms": ["k_means", "dbscan", "agglomerative", "gmm"],
                "metrics": ["silhouette_score", "adjusted_rand_index", "training_time"],
                "hyperparameters": {"dbscan": {"eps": [0.3, 0.5]}},
            },
        },
        "deep_learning": {
            "image_classification": {
                "datasets": ["digits", "synthetic_images", "mnist", "cifar10", "cifar100"],
                "algorithms": ["lenet", "simple_cnn", "resnet18", "mobilenet"],
                "metrics": ["accuracy", "training_time", "inference_time"],
                "hyperparameters": {"lenet": {"batch_size": [32, 64], "lr": 0.001}},
                "repetitions": 5,
            },
            "sequence_classification": {"datasets": ["synthetic_sequences"], "algorithms": ["rnn", "lstm", "gru"]},
            "forecasting": {"datasets": ["synthetic_forecasting"], "algorithms": ["lstm", "gru"]},
        },
        "reinforcement_learning": {
            "policy": {
                "datasets": ["cartpole", "pong", "lunar_lander"],
                "algorithms": ["dqn"],
                "metrics": ["mean_return", "training_time"],
                "hyperparameters": {"dqn": {"gamma": 0.98}},
                "power_analysis": True,
            },
            "solve": {
                "datasets": ["cartpole"],
                "algorithms": ["dqn", "ppo"],
                "metrics": ["mean_return"],
                "hyperparameters": {"dqn": {"gamma": 0.98}},
            },
        },
        "llm": {
            "sentence_embedding": {
                "datasets": ["text_corpus", "wikitext"],
                "algorithms": ["tiny_bert", "minilm_l6"],
                "metrics": ["embedding_cosine_min", "latency", "throughput"],
                "hyperparameters": {"tiny_bert": {"batch_size": [1, 8], "seq_len": 16}},
            },
            "text_generation": {
                "datasets": ["text_corpus"],
                "algorithms": ["tiny_llama", "smollm2_135m"],
                "metrics": ["perplexity", "latency"],
            },
        },
    }
}


def _write(tmp_path: Path, doc: Any, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _select(tmp_path: Path, spec: Path, frameworks: Path = FRAMEWORKS, **params: Any) -> tuple[int, dict[str, Any]]:
    """`pairbench select`, the verb phase 1's process runs, on a spec-layout catalogue."""
    params_file = tmp_path / "params.json"
    params_file.write_text(json.dumps({"outdir": str(tmp_path / "results"), "grid": "all", **params}))
    out = tmp_path / "selection"
    rc = main(
        [
            "select",
            "--benchmarks",
            str(spec),
            "--frameworks",
            str(frameworks),
            "--params",
            str(params_file),
            "--run-id",
            "spec",
            "--out-dir",
            str(out),
        ]
    )
    return rc, json.loads((out / "selection.json").read_text()) if rc in (0, 3) else {}


def test_the_complete_spec_catalogue_runs_through_phase_1(tmp_path: Path) -> None:
    # One framework made uninstallable: its cells run without it, and the skip list says why.
    fw_doc = yaml.safe_load(FRAMEWORKS.read_text())
    fw_doc["frameworks"]["tch"]["module"] = "pairbench_not_installed_xyz"
    frameworks = _write(tmp_path, fw_doc, "frameworks.yaml")
    rc, sel = _select(tmp_path, _write(tmp_path, SPEC), frameworks)
    assert rc == 0 and sel["layout"] == "specification"

    # Every task pairbench knows is there, with the datasets and algorithms the spec named.
    shipped = load_catalogue(config_dir() / "benchmarks.yaml", FRAMEWORKS)
    known = {(t.domain, t.task) for t in shipped.tasks}
    decided = {(d["domain"], d["task"]) for d in sel["decisions"]}
    assert decided == known
    cells = sel["cells"]
    assert {c["algorithm"] for c in cells if c["task"] == "regression"} <= {
        "linear",
        "ridge",
        "lasso",
        "elastic_net",
        "svr",
        "nusvr",
    }
    assert {c["algorithm"] for c in cells if c["task"] == "clustering"} <= {
        "kmeans",
        "dbscan",
        "agglomerative",
        "gaussian_mixture",
    }
    assert {d["dataset"] for d in sel["decisions"] if d["task"] == "image_classification"} == {
        "digits",
        "synthetic_images",
        "mnist",
        "cifar10",
    }

    # hyperparameters: lists are grid axes (grid all), scalars replace the shipped value.
    ridge = [c["params"] for c in cells if c["algorithm"] == "ridge" and c["dataset"] == "diabetes"]
    assert sorted({p["alpha"] for p in ridge}) == [0.1, 1.0, 10.0]
    assert {p["max_iter"] for p in ridge} == {1000, 10000}  # the shipped grid of the other parameters stays
    enet = {(p["alpha"], p["l1_ratio"]) for c in cells if c["algorithm"] == "elastic_net" for p in [c["params"]]}
    assert enet == {(0.1, 0.2), (0.1, 0.8), (1.0, 0.2), (1.0, 0.8)}
    svc = [c["params"] for c in cells if c["algorithm"] == "svc" and c["dataset"] == "iris"]
    assert {p["kernel"] for p in svc} == {"linear"} and {p["C"] for p in svc} == {0.1, 1.0}
    # The user's eps replaces the shipped per-dataset eps of DBSCAN on every dataset.
    assert {c["params"]["eps"] for c in cells if c["algorithm"] == "dbscan"} == {0.3, 0.5}
    assert {c["params"]["gamma"] for c in cells if c["algorithm"] == "dqn"} == {0.98}
    lenet = [c["params"] for c in cells if c["algorithm"] == "lenet" and c["dataset"] == "digits"]
    assert sorted(p["batch_size"] for p in lenet) == [32, 64] and {p["lr"] for p in lenet} == {0.001}

    # repetitions -> samples per launch for that task's cells; the others keep --samples.
    samples = {c["task"]: c["samples"] for c in cells}
    assert samples["regression"] == 20 and samples["classification"] == 10
    assert samples["image_classification"] == 5 and samples["clustering"] == 10
    # Run-wide keys map onto the run's settings; cv_folds is what phase 3 reads from selection.json.
    assert sel["params"]["cv_folds"] == 5
    assert sel["run_settings"] == {"cv_folds": 5, "alpha": 0.01, "power": {"power": 0.9, "effect": 0.05}}

    # Skipped, with the reason, and the rest still runs.
    skipped = {(s["kind"], s["name"]): s["reason"] for s in sel["skipped"]}
    for name in ("california_housing", "boston_housing", "cifar100", "wikitext"):
        assert "never downloads" in skipped[("dataset", name)]
    assert "not installed" in skipped[("dataset", "pong")] or "no port" in skipped[("dataset", "pong")]
    assert "pairbench_not_installed_xyz" in skipped[("framework", "tch")]
    assert all(c["frameworks"][-1]["name"] != "tch" for c in cells)
    assert any(c["domain"] == "deep_learning" for c in cells)
    mnist = [d for d in sel["decisions"] if d["dataset"] == "mnist"]
    if mnist and not mnist[0]["selected"]:  # absent unless $PAIRBENCH_EXTERNAL_DATA holds it
        assert ("dataset", "mnist") in skipped
    # The cell files phase 2-4 read are written for every kept cell.
    assert len(list((tmp_path / "selection" / "cells").glob("*.json"))) == len(cells)


def _problems(tmp_path: Path, doc: Any) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_write(tmp_path, doc), FRAMEWORKS)
    return exc.value.problems


def test_unknown_names_are_named_with_the_allowed_list_every_problem_at_once(tmp_path: Path) -> None:
    doc = {
        "benchmarks": {
            "classical_ml": {
                "regression": {
                    "datasets": ["diabetes", "iris", "diabetis"],
                    "algorithms": ["ridge", "random_forest"],
                    "metrics": ["r2", "bleu"],
                    "hyperparameters": {"ridge": {"alhpa": 1.0}, "lasso": {"alpha": 1.0}},
                },
                "ranking": {"datasets": ["iris"], "algorithms": ["svc"]},
            },
            "quantum": {"x": {"datasets": ["a"], "algorithms": ["b"]}},
        }
    }
    path = str(tmp_path / "spec.yaml")
    got = _problems(tmp_path, doc)
    allowed_ds = "diabetes, synthetic_linear, synthetic_nonlinear, synthetic_sparse"
    assert got == [
        f"{path}: benchmarks.classical_ml.regression.datasets: unknown dataset 'iris'; allowed: {allowed_ds}",
        f"{path}: benchmarks.classical_ml.regression.datasets: unknown dataset 'diabetis'; allowed: {allowed_ds}",
        f"{path}: benchmarks.classical_ml.regression.algorithms: unknown algorithm 'random_forest'; allowed: "
        "elastic_net, lasso, linear, nusvr, ridge, svr",
        f"{path}: benchmarks.classical_ml.regression.metrics: unknown metric 'bleu'; allowed: "
        + ", ".join(
            [*QUALITY_METRICS["regression"], "training_time", "inference_time", "latency", "throughput", "memory_usage"]
        ),
        f"{path}: benchmarks.classical_ml.regression.hyperparameters.ridge.alhpa: not a parameter of ridge; "
        "allowed: alpha, fit_intercept, max_iter, tol",
        f"{path}: benchmarks.classical_ml.regression.hyperparameters.lasso: not one of this task's algorithms; "
        "allowed: ridge",
        f"{path}: benchmarks.classical_ml.ranking: unknown task of classical_ml; allowed: classification, "
        "clustering, regression",
        f"{path}: benchmarks.quantum: unknown domain; allowed: classical_ml, deep_learning, llm, rl",
    ]


def test_shape_problems_come_from_the_schema_in_the_house_form(tmp_path: Path) -> None:
    doc = {
        "benchmarks": {
            "classical_ml": {
                "regression": {
                    "datasets": "diabetes",
                    "algorithms": [],
                    "hyperparameters": {"ridge": {"alpha": {"a": 1}}},
                    "repetitions": 0,
                    "cross_validation_folds": 1,
                    "statistical_significance_level": 1.5,
                    "power_analysis": "yes",
                    "seeds": 3,
                }
            }
        },
        "extra": 1,
    }
    path = str(tmp_path / "spec.yaml")
    key = f"{path}: benchmarks.classical_ml.regression"
    got = _problems(tmp_path, doc)
    assert f"{path}: extra: unknown key; allowed: version, benchmarks" in got
    assert (
        f"{key}.seeds: unknown key; allowed: datasets, algorithms, metrics, hyperparameters, repetitions, "
        "cross_validation_folds, statistical_significance_level, power_analysis" in got
    )
    assert f"{key}.datasets: expected a list, got string 'diabetes'" in got
    assert f"{key}.algorithms: expected at least 1 entry, got []" in got
    assert (
        f"{key}.hyperparameters.ridge.alpha: got {{'a': 1}}; allowed: a scalar or a non-empty list of "
        "scalars (a list is a grid axis)" in got
    )
    assert f"{key}.repetitions: expected a number >= 1, got 0" in got
    assert f"{key}.cross_validation_folds: got 1; allowed: 0 (off) or an integer from 2 to 20 (as --cv_folds)" in got
    assert f"{key}.statistical_significance_level: expected a number < 1, got 1.5" in got
    assert (
        f"{key}.power_analysis: got 'yes'; allowed: true, false, a power in (0, 1), or a mapping {{power, "
        "effect, min_samples}" in got
    )
    assert len(got) == 9


def test_run_wide_settings_must_agree_between_tasks(tmp_path: Path) -> None:
    doc = {
        "benchmarks": {
            "classical_ml": {
                "regression": {
                    "datasets": ["diabetes"],
                    "algorithms": ["ridge"],
                    "statistical_significance_level": 0.05,
                },
                "classification": {"datasets": ["iris"], "algorithms": ["svc"], "statistical_significance_level": 0.01},
            }
        }
    }
    assert _problems(tmp_path, doc) == [
        f"{tmp_path / 'spec.yaml'}: benchmarks.classical_ml.classification.statistical_significance_level: 0.01 "
        "differs from benchmarks.classical_ml.regression.statistical_significance_level: it is one setting per run "
        "(--alpha); allowed: 0.05"
    ]


def test_every_external_name_has_a_reason() -> None:
    from pairbench.configuration.spec_layout import external_reason

    for name in EXTERNAL:
        assert name in external_reason(name) and (
            "never downloads" in external_reason(name)
            or "python module" in external_reason(name)
            or "no port" in external_reason(name)
        )


def test_run_settings_reach_the_analysis_and_the_report() -> None:
    from pairbench.analysis.run import with_run_settings
    from pairbench.analysis.settings import StatisticsSettings
    from pairbench.report.catalogue import catalogue_lines

    run_settings = {"cv_folds": 5, "alpha": 0.01, "power": {"power": 0.9, "min_samples": 20}}
    s = with_run_settings(StatisticsSettings(), run_settings)
    assert (s.alpha, s.power, s.effect, s.min_samples) == (0.01, 0.9, 0.05, 20)
    assert with_run_settings(StatisticsSettings(), {}) == StatisticsSettings()
    lines = catalogue_lines(
        {
            "layout": "specification",
            "run_settings": run_settings,
            "skipped": [
                {
                    "kind": "dataset",
                    "name": "cifar100",
                    "domain": "deep_learning",
                    "task": "image_classification",
                    "reason": "dataset 'cifar100': only available by download; pairbench never downloads at run time",
                }
            ],
        }
    )
    assert "alpha = 0.01" in lines[0] and "cv_folds = 5" in lines[0]
    assert lines[1] == (
        "Skipped dataset cifar100 (deep_learning/image_classification): dataset 'cifar100': only "
        "available by download; pairbench never downloads at run time."
    )


def test_phase_5_uses_the_catalogues_alpha_and_power(tmp_path: Path) -> None:
    from tests.synthetic_results import bench_module

    raw = tmp_path / "raw"
    bench_module().make_results(12, raw, seed=3)
    selection = tmp_path / "selection.json"
    selection.write_text(json.dumps({"run_settings": {"alpha": 0.01, "power": {"power": 0.9, "effect": 0.1}}}))
    out = tmp_path / "analysis"
    assert (
        main(
            [
                "analyse",
                "--results-dir",
                str(raw),
                "--out-dir",
                str(out),
                "--no-figures",
                "--alpha",
                "0.05",
                "--selection",
                str(selection),
            ]
        )
        == 0
    )
    settings = json.loads((out / "analysis.json").read_text())["settings"]
    assert (settings["alpha"], settings["power"], settings["effect"]) == (0.01, 0.9, 0.1)


def test_a_domain_given_twice_under_two_spellings_is_named(tmp_path: Path) -> None:
    task = {"policy": {"datasets": ["cartpole"], "algorithms": ["dqn"]}}
    assert _problems(tmp_path, {"benchmarks": {"rl": task, "reinforcement_learning": task}}) == [
        f"{tmp_path / 'spec.yaml'}: benchmarks.reinforcement_learning: the same domain as benchmarks.rl; give its "
        "tasks once"
    ]
