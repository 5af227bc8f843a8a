"""The original specification's catalogue layout (benchmarks: <domain>: <task>: {...}) through phase 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pairbench.cli.main import main
from pairbench.configuration.config import ConfigError, load_catalogue
from pairbench.configuration.spec_layout import EXTERNAL
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
    # (A task of fixtures only, such as a calibration cell, is not a comparison the specification names.)
    known = {(t.domain, t.task) for t in shipped.tasks if set(t.algorithms) - t.fixtures}
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


def test_misspelt_and_wrong_names_are_errors_every_problem_at_once(tmp_path: Path) -> None:
    # A misspelling of a catalogue name, a known name in the wrong task and a parameter an explicitly
    # named algorithm lacks are wrong values: named, with the allowed list, all at once.
    doc = {
        "benchmarks": {
            "classical_ml": {
                "regression": {
                    "datasets": ["diabetes", "iris", "diabetis"],
                    "algorithms": ["ridge", "kmeans", "lassso"],
                    "hyperparameters": {"ridge": {"alhpa": 1.0}, "lasso": {"alpha": 1.0}},
                },
                "clasification": {"datasets": ["iris"], "algorithms": ["svc"]},
            },
            "clasical_ml": {"x": {"datasets": ["a"], "algorithms": ["b"]}},
        }
    }
    path = str(tmp_path / "spec.yaml")
    key = f"{path}: benchmarks.classical_ml"
    allowed_ds = "diabetes, synthetic_linear, synthetic_nonlinear, synthetic_sparse"
    got = _problems(tmp_path, doc)
    # A close match's allowed list is the whole catalogue's: cut here, asserted whole below for one line.
    cut = [line[: line.index("allowed: ") + 9] if "did you mean" in line else line for line in got]
    assert cut == [
        f"{key}.regression.datasets: dataset 'iris' is not one of regression's; allowed: {allowed_ds}",
        f"{key}.regression.datasets: unknown dataset 'diabetis'; did you mean 'diabetes'?; allowed: ",
        f"{key}.regression.algorithms: algorithm 'kmeans' is one of clustering's, not regression's; allowed: "
        "elastic_net, lasso, linear, nusvr, ridge, ridge_cd, svr",
        f"{key}.regression.algorithms: unknown algorithm 'lassso'; did you mean 'lasso'?; allowed: ",
        f"{key}.regression.hyperparameters.ridge.alhpa: not a parameter of ridge; allowed: alpha, fit_intercept, "
        "max_iter, tol",
        f"{key}.regression.hyperparameters.lasso: not one of this task's algorithms; allowed: ridge",
        f"{key}.clasification: unknown task 'clasification'; did you mean 'classification'?; allowed: ",
        f"{path}: benchmarks.clasical_ml: unknown domain 'clasical_ml'; did you mean 'classical_ml'?; allowed: ",
    ]
    assert all(f" {d}," in got[-1] for d in ("classical_ml", "deep_learning", "large_language_models", "llm"))


def test_names_nobody_knows_are_skipped_with_their_reason_and_the_rest_runs(tmp_path: Path) -> None:
    doc = {
        "benchmarks": {
            "classical_ml": {
                "regression": {
                    "datasets": ["diabetes", "my_sales_data"],
                    "algorithms": ["ridge", "xgboost"],
                    "metrics": ["r2", "bleu"],
                },
                "ranking": {"datasets": ["iris"], "algorithms": ["svc"]},
            },
            "quantum": {"x": {"datasets": ["a"], "algorithms": ["b"]}},
        }
    }
    catalogue = load_catalogue(_write(tmp_path, doc), FRAMEWORKS)
    assert [(t.task, list(t.algorithms), t.datasets) for t in catalogue.tasks] == [
        ("regression", ["ridge"], ("diabetes",))
    ]
    skipped = {(s["kind"], s["name"]): s["reason"] for s in catalogue.skipped}
    assert skipped == {
        ("dataset", "my_sales_data"): "dataset 'my_sales_data' is not in pairbench's catalogue",
        ("algorithm", "xgboost"): "algorithm 'xgboost' is not in pairbench's catalogue (its regression algorithms: "
        "elastic_net, lasso, linear, nusvr, ridge, ridge_cd, svr)",
        ("metric", "bleu"): "metric 'bleu' not computed: pairbench does not compute it for regression (computed: "
        "explained_variance, inference_time, latency, mae, mape, memory_usage, mse, r2, rmse, throughput, "
        "training_time)",
        ("task", "ranking"): "pairbench has no 'ranking' task in classical_ml (its tasks: classification, "
        "clustering, regression)",
        ("domain", "quantum"): "pairbench has no domain 'quantum'",
    }


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
    cells = [
        {"dataset": ds, "params": {"gamma": g, "gamma_from": "scale"}}
        for ds, g in (("iris", 0.24999999999999994), ("wine", 0.07692307692307694))
    ]
    assert catalogue_lines({"cells": [*cells, {"dataset": "iris", "params": {"gamma": 0.1}}]}) == [
        "gamma 'scale' (1 / (n_features · Var(X_train)), scikit-learn's definition) was computed by phase 1 on "
        "each cell's training split and given to every side as a number: iris 0.25, wine 0.0769231."
    ]


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


# ---------------------------------------------------------------------------------------------------
# The specification's own config/benchmarks.yaml (tests/fixtures/spec/benchmarks.yaml)
# ---------------------------------------------------------------------------------------------------
SPEC_FILE = Path(__file__).parent / "fixtures" / "spec" / "benchmarks.yaml"

# Every entry of the file that cannot run here, with words its reason must hold. The datasets that only
# $PAIRBENCH_EXTERNAL_DATA holds (mnist, cifar10) and frameworks that are not built are skipped by phase 1's
# usual checks and are left out of this list.
SPEC_SKIPS = {
    ("dataset", "boston_housing"): "never downloads",
    ("dataset", "california_housing"): "never downloads",
    ("algorithm", "logistic_regression"): "no pair for it yet",
    ("algorithm", "random_forest"): "no random forest",
    ("algorithm", "gradient_boosting"): "no gradient boosting",
    ("hyperparameter", "n_estimators"): "tree ensembles",
    ("hyperparameter", "max_depth"): "only trees",
    ("dataset", "cifar100"): "never downloads",
    ("architecture", "vgg16"): "not in pairbench's catalogue",
    ("architecture", "attention_cnn"): "without defining it",
    ("hyperparameter", "epochs"): "one epoch",
    ("hyperparameter", "pretrained"): "seeded weights",
    ("hyperparameter", "use_batch_norm"): "architectures are fixed",
    ("metric", "top5_accuracy"): "top-1",
    ("metric", "convergence_epochs"): "loss curves",
    ("environment", "LunarLander-v2"): "LunarLander-v3 only",
    ("environment", "Acrobot-v1"): "CartPole-v1 only",
    ("environment", "synthetic_env"): "without defining it",
    ("algorithm", "ddqn"): "plain DQN only",
    ("algorithm", "dueling_dqn"): "plain DQN only",
    ("algorithm", "prioritized_dqn"): "plain DQN only",
    ("algorithm", "rainbow_dqn"): "plain DQN only",
    ("hyperparameter", "epsilon_decay"): "linearly",
    ("hyperparameter", "episodes"): "total_timesteps",
    ("metric", "sample_efficiency"): "steps_to_threshold",
    ("task", "question_answering"): "SQuAD",
    ("task", "token_classification"): "NER",
    ("model", "gpt2"): "a decoder",
    ("model", "bert"): "does not generate text",
    ("model", "distilbert"): "Hugging Face hub",
    ("model", "roberta"): "Hugging Face hub",
    ("model", "albert"): "Hugging Face hub",
    ("hyperparameter", "temperature"): "greedy",
    ("hyperparameter", "top_k"): "greedy",
    ("metric", "bleu_score"): "reference texts",
}
# What of it runs here: (task, algorithm, dataset) of the cells --grid first makes.
SPEC_RUNS = {
    *{
        ("regression", a, d)
        for a in ("linear", "ridge", "lasso", "elastic_net")
        for d in ("diabetes", "synthetic_linear")
    },
    *{
        ("clustering", a, d)
        for a in ("kmeans", "dbscan", "agglomerative", "gaussian_mixture")
        for d in ("iris", "synthetic_blobs", "synthetic_moons", "synthetic_circles")
    },
    *{("image_classification", a, "synthetic_images") for a in ("resnet18", "mobilenet", "lenet", "simple_cnn")},
    ("policy", "dqn", "cartpole"),
    ("solve", "dqn", "cartpole"),
    ("text_generation", "smollm2_135m", "text_corpus"),
    ("sentence_embedding", "minilm_l6", "text_corpus"),
}


def _spec_doc(**classification: Any) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    doc["benchmarks"]["classical_ml"]["classification"]["hyperparameters"].update(classification)
    return doc


def test_the_specifications_own_file_runs_through_phase_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pairbench.configuration.selection import all_cpus
    from pairbench.report.catalogue import catalogue_lines

    monkeypatch.delenv("PAIRBENCH_EXTERNAL_DATA", raising=False)
    rc, sel = _select(tmp_path, SPEC_FILE, grid="first", devices="cpu")
    out = capsys.readouterr().out
    assert rc == 0 and sel["layout"] == "specification"

    # Said before anything runs: the cells of each grid mode. The two LLM models carry a [1, all] threads
    # axis, and their other axes make 6 (MiniLM) and 4 (SmolLM2) points under --grid all.
    threads = 2 if all_cpus() > 1 else 1
    assert out.splitlines()[0] == (
        f"grid: {30 + 2 * threads} cell(s) with --grid first (this run), {390 + 10 * threads} with --grid all "
        "(--grid all runs every point of every grid)"
    )
    cells = sel["cells"]
    assert {(c["task"], c["algorithm"], c["dataset"]) for c in cells} == SPEC_RUNS

    # Every skip is listed with its reason; nothing in the file is an error.
    skipped = {
        (s["kind"], s["name"]): s["reason"]
        for s in sel["skipped"]
        if s["kind"] != "framework" and s["name"] not in ("mnist", "cifar10")
    }
    assert set(skipped) == set(SPEC_SKIPS)
    for key, words in SPEC_SKIPS.items():
        assert words in skipped[key], (key, skipped[key])
    # probability: true is a value linfa cannot honour: every svc grid point is a named skip.
    svc = [d for d in sel["decisions"] if d["algorithm"] == "svc"]
    assert svc and all(not d["selected"] and d["reason"].startswith("probability=True: linfa-svm") for d in svc)

    # Flat grids: an axis goes to every algorithm of the task with that parameter; a string number is a number.
    first = {(c["task"], c["algorithm"], c["dataset"]): c["params"] for c in cells}
    assert "alpha" not in first[("regression", "linear", "diabetes")]
    assert {first[("regression", a, "diabetes")]["alpha"] for a in ("ridge", "lasso", "elastic_net")} == {0.1}
    assert first[("regression", "elastic_net", "diabetes")]["l1_ratio"] == 0.1
    assert "l1_ratio" not in first[("regression", "lasso", "diabetes")]
    assert first[("regression", "ridge", "diabetes")]["max_iter"] == 1000
    assert first[("clustering", "kmeans", "iris")]["n_clusters"] == 2
    assert first[("clustering", "dbscan", "iris")]["eps"] == 0.5  # the file's, not the catalogue's per-dataset eps
    lenet = first[("image_classification", "lenet", "synthetic_images")]
    assert lenet["lr"] == 1e-3 and isinstance(lenet["lr"], float) and lenet["batch_size"] == 32
    assert "optimizer" not in lenet  # adam: what every side does (AdamW), so no parameter of either side
    dqn = first[("policy", "dqn", "cartpole")]
    assert (dqn["learning_rate"], dqn["gamma"], dqn["buffer_size"], dqn["batch_size"]) == (1e-3, 0.99, 100000, 64)
    assert first[("sentence_embedding", "minilm_l6", "text_corpus")]["seq_len"] == 128
    assert first[("text_generation", "smollm2_135m", "text_corpus")]["prompt_len"] == 128
    assert {c["samples"] for c in cells if c["task"] == "regression"} == {10}
    assert {c["samples"] for c in cells if c["domain"] == "llm"} == {3}

    # Run-wide keys, power_analysis in the specification's words, random_state as the seed.
    assert sel["run_settings"] == {
        "seed": 42,
        "cv_folds": 5,
        "alpha": 0.05,
        "power": {"effect": 0.2, "power": 0.8, "min_samples": 30},
    }
    assert sel["defaults"]["seed"] == 42 and {c["seed"] for c in cells} == {42}

    # Every name of every entry is in spec_mapping with what it became (None: skipped, see `skipped`).
    doc = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    entries = {e["key"]: e for e in sel["spec_mapping"]["entries"]}
    given = {f"benchmarks.{d}.{t}": e for d, ts in doc["benchmarks"].items() for t, e in ts.items()}
    given |= {f"large_language_models.{t}": e for t, e in doc["large_language_models"].items()}
    assert set(entries) == set(given)
    for key, entry in given.items():
        names = entries[key]
        assert set(names["datasets"]) == set(entry.get("datasets", entry.get("environments", ["<not given>"])))
        assert set(names["algorithms"]) == {
            n for k in ("algorithms", "architectures", "models") for n in entry.get(k, [])
        }
        assert set(names["hyperparameters"]) == set(entry["hyperparameters"])
        assert set(names["metrics"]) == set(entry["metrics"])
    regression = entries["benchmarks.classical_ml.regression"]
    assert (
        regression["metrics"]["mape"] == "mape" and regression["datasets"]["synthetic_regression"] == "synthetic_linear"
    )
    rl = entries["benchmarks.reinforcement_learning.deep_q_learning"]
    assert rl["tasks"] == {"deep_q_learning": ["rl/policy", "rl/solve"]}
    assert rl["metrics"]["convergence_steps"].startswith("steps_to_threshold")
    assert rl["metrics"]["episode_length"].startswith("mean_return (on CartPole-v1")
    transformer = entries["large_language_models.transformer"]
    assert transformer["algorithms"] == {
        "gpt2": {"text_generation": "smollm2_135m"},
        "bert": {"sentence_embedding": "minilm_l6"},
        "distilbert": None,
        "roberta": None,
        "albert": None,
    }
    assert (
        transformer["metrics"]["tokens_per_second"].startswith("throughput")
        and transformer["metrics"]["bleu_score"] is None
    )

    # Stand-ins are said in selection.json and in the report's methods.
    stand_ins = {(s["spec"], s["pairbench"]) for s in sel["spec_mapping"]["stand_ins"]}
    assert stand_ins == {
        ("gpt2", "smollm2_135m"),
        ("bert", "minilm_l6"),
        ("classification", "sentence_embedding"),
        ("resnet18", "resnet18"),
        ("mobilenet", "mobilenet"),
    }
    methods = catalogue_lines(sel)
    assert any(line.startswith("Stand-in: the specification's bert ran as pairbench's minilm_l6") for line in methods)
    assert any(line.startswith("Skipped environment Acrobot-v1 (rl/policy)") for line in methods)
    assert len(list((tmp_path / "selection" / "cells").glob("*.json"))) == len(cells)


def test_values_neither_side_honours_the_same_way_skip_their_grid_point(tmp_path: Path) -> None:
    rc, sel = _select(
        tmp_path,
        _write(tmp_path, _spec_doc(probability=[False, True])),
        algorithms="svc,lenet",
        datasets="iris,synthetic_images",
        devices="cpu",
    )
    assert rc == 0
    by_value: dict[Any, set[bool]] = {}
    for d in sel["decisions"]:
        if (d["algorithm"], d["dataset"]) == ("svc", "iris"):
            by_value.setdefault(d["params"].get("probability", False), set()).add(d["selected"])
        elif (d["algorithm"], d["dataset"], d["params"].get("optimizer")) == ("lenet", "synthetic_images", "sgd"):
            assert not d["selected"] and d["reason"].startswith("optimizer 'sgd': every side trains with AdamW")
    assert by_value == {False: {True}, True: {False}}
    assert not any("probability" in c["params"] or "optimizer" in c["params"] for c in sel["cells"])


def test_gamma_scale_and_auto_become_scikit_learns_numbers_on_the_cells_training_split(tmp_path: Path) -> None:
    import numpy as np
    from sklearn.svm import SVC

    from pairbench.datasets.materialise import DatasetSpec, load_verified, materialise

    rc, sel = _select(
        tmp_path,
        _write(tmp_path, _spec_doc(probability=False)),
        algorithms="svc",
        datasets="iris,digits_tabular",
        devices="cpu",
    )
    assert rc == 0
    cells = sel["cells"]
    # Both sides get a plain number; which rule gave it is in the cell (and its id).
    assert all(isinstance(c["params"]["gamma"], float) for c in cells)
    for ds in ("iris", "digits_tabular"):
        spec = sel["datasets"][ds]
        materialise(DatasetSpec(**spec), tmp_path / ds, seed=42, test_fraction=0.2, dtype="float64")
        split = load_verified(tmp_path / ds)
        for rule in ("scale", "auto"):
            mine = {c["params"]["gamma"] for c in cells if c["dataset"] == ds and c["params"].get("gamma_from") == rule}
            assert mine == {SVC(gamma=rule).fit(split.X_train, split.y_train)._gamma}, (ds, rule)
            assert all(f"gamma_from={rule}" in c["cell_id"] for c in cells if c["params"].get("gamma_from") == rule)
    # On standardised iris Var(X_train) = 1, so scale and auto agree; on digits (constant pixels) they do not.
    gammas = {(c["dataset"], c["params"].get("gamma_from")): c["params"]["gamma"] for c in cells}
    assert gammas[("iris", "scale")] == pytest.approx(gammas[("iris", "auto")]) == 0.25
    assert gammas[("digits_tabular", "scale")] != pytest.approx(gammas[("digits_tabular", "auto")])
    assert np.isclose(gammas[("digits_tabular", "auto")], 1 / 64)


@pytest.mark.rust
def test_a_smoke_sized_part_of_the_specifications_file_runs_end_to_end(tmp_path: Path, classical_binary: Path) -> None:
    # Phase 1 on the file (probability false, so svc runs), restricted to smoke-sized cells, then the
    # real phase-3 verbs: the datasets materialised and every cell run on every side and gated.
    del classical_binary  # built by make setup; the launcher finds it
    rc, sel = _select(
        tmp_path,
        _write(tmp_path, _spec_doc(probability=False)),
        algorithms="ridge,svc",
        datasets="diabetes,iris",
        grid="first",
        devices="cpu",
    )
    assert rc == 0 and {(c["algorithm"], c["dataset"]) for c in sel["cells"]} == {
        ("ridge", "diabetes"),
        ("svc", "iris"),
    }
    svc = next(c for c in sel["cells"] if c["algorithm"] == "svc")
    assert svc["params"]["gamma_from"] == "scale" and svc["params"]["gamma"] == pytest.approx(0.25)
    data, out = tmp_path / "data", tmp_path / "validation"
    assert (
        main(["datasets", "--selection", str(tmp_path / "selection" / "selection.json"), "--out-dir", str(data)]) == 0
    )
    cell_files = sorted((tmp_path / "selection" / "cells").glob("*.json"))
    argv = ["validate", "--data-dir", str(data), "--out-dir", str(out), "--timeout", "120"]
    assert main([*argv, *[x for f in cell_files for x in ("--cell", str(f))]]) == 0
    for f in cell_files:
        report = json.loads((out / f"{f.stem}.validation.json").read_text())
        assert report["comparable"], report["reasons"]
        assert all(side["ok"] for side in report["sides"].values()) and "linfa" in report["sides"]
        assert report["cv"]["n_splits"] == 5  # the file's cross_validation_folds


def test_two_entries_of_one_task_keep_their_own_grids_and_one_seed(tmp_path: Path) -> None:
    # Two rl entries both run as policy and solve: each flat grid reaches only the algorithms it names.
    doc = {
        "benchmarks": {
            "reinforcement_learning": {
                "value_based": {
                    "environments": ["CartPole-v1"],
                    "algorithms": ["dqn"],
                    "hyperparameters": {"learning_rate": "1e-4", "random_state": [7, 8]},
                },
                "policy_gradient": {
                    "environments": ["CartPole-v1"],
                    "algorithms": ["ppo"],
                    "hyperparameters": {"learning_rate": 3.0e-4, "random_state": 7},
                },
            }
        }
    }
    catalogue = load_catalogue(_write(tmp_path, doc), FRAMEWORKS)
    policy = next(t for t in catalogue.tasks if t.task == "policy")
    assert policy.algorithms["dqn"]["learning_rate"] == 1e-4 and policy.algorithms["ppo"]["learning_rate"] == 3e-4
    assert catalogue.defaults["seed"] == 7 and catalogue.run_settings["seed"] == 7
    (extra,) = [s for s in catalogue.skipped if s["name"].startswith("random_state")]
    assert extra["name"] == "random_state=8" and "one seed per run" in extra["reason"]
    note = catalogue.mapping["entries"][0]["note"]
    assert note.startswith("runs as pairbench's policy") and "solve" in note

    doc["benchmarks"]["reinforcement_learning"]["policy_gradient"]["hyperparameters"]["random_state"] = 9
    doc["benchmarks"]["reinforcement_learning"]["policy_gradient"]["power_analysis"] = {
        "power": 0.9,
        "power_threshold": 0.8,
    }
    key = f"{tmp_path / 'spec.yaml'}: benchmarks.reinforcement_learning.policy_gradient"
    assert _problems(tmp_path, doc) == [
        f"{key}.hyperparameters.random_state: 9 differs from benchmarks.reinforcement_learning.value_based."
        "hyperparameters.random_state: it is one setting per run (random_state); allowed: 7",
        f"{key}.power_analysis.power_threshold: 0.8 and 0.9 both set power; give one",
    ]
