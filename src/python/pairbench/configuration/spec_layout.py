"""The original specification's catalogue layout, translated onto pairbench's own catalogue.

Users arriving from the specification bring its config/benchmarks.yaml:

    benchmarks: <domain>: <task>: {datasets | environments, algorithms | architectures | models,
                                   metrics, hyperparameters, repetitions, cross_validation_folds,
                                   statistical_significance_level, power_analysis}
    large_language_models: <task group>: {models, tasks, metrics, hyperparameters, ...}

That layout names what to run but not how (data sources, quality gates, frameworks, every parameter's
value), so it is read as a selection over, and an override of, the shipped config/benchmarks.yaml:

- its shape is checked by schemas/spec_benchmarks.schema.json (pairbench.configuration.schema_check),
  after strings that spell numbers ("1e-4", which YAML 1.1 reads as text) are read as those numbers;
- every name is mapped through the specification's vocabulary (pairbench.configuration.spec_names) onto
  a catalogue name; a stand-in (MiniLM for `bert`) is recorded as one. A name that cannot run here (a
  download, a missing package, a model no side has) is skipped with its reason, never an error; only a
  misspelling of a catalogue name, a malformed or over-long name, or a wrong value is an error;
- `hyperparameters` is a flat mapping from a parameter name to a value or a list (a grid axis) for the
  whole task: an axis applies to every algorithm of the task that has that parameter, `random_state` is
  the run's seed, an axis no selected algorithm uses is skipped with its reason. pairbench's own form,
  `<algorithm>: {<parameter>: grid}`, still applies to that algorithm alone;
- `repetitions` is the timed samples per launch of that task's cells (`--samples` for the others);
- `cross_validation_folds`, `statistical_significance_level`, `power_analysis` and `random_state` are
  run-wide settings (`--cv_folds`, `--alpha`, analysis.yaml `power:`, the seed): every task that sets one
  must agree;
- metrics pairbench computes are recorded; the others are listed as not computed.

selection.json's `spec_mapping` records, per entry of the file, what each of its names became.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pairbench.configuration.catalogue import Catalogue, ConfigError, Problems, TaskSpec
from pairbench.configuration.point_values import GAMMA_ALGORITHMS, GAMMA_RULES, value_rule
from pairbench.configuration.schema_check import schema_problems
from pairbench.configuration.spec_names import (
    ALGORITHM_ALIASES,
    ALGORITHM_SKIPS,
    CATALOGUE_STAND_INS,
    DATASET_ALIASES,
    DOMAIN_ALIASES,
    ENVIRONMENT_SKIPS,
    EXTERNAL,
    METRIC_ALIASES,
    METRIC_NOT_COMPUTED,
    METRIC_NOTES,
    MODEL_TASK_SKIPS,
    MODELS,
    PARAM_ALIASES,
    SEED_PARAM,
    TASK_ALIASES,
    TASK_NOTES,
    TASK_SKIPS,
    TASK_STAND_INS,
    UNUSED_PARAMS,
)
from pairbench.core.names import config_name_problem, shown

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
    "solve": ("mean_return", "solved_fraction", "steps_to_threshold"),
    "sentence_embedding": (
        "embedding_cosine_min",
        "embedding_cosine_mean",
        "token_id_agreement",
        "paraphrase_win_rate",
    ),
    "text_generation": ("logit_max_abs_diff", "top1_agreement", "greedy_agreement", "perplexity", "perplexity_rel_dev"),
}

# The keys of a task entry that hold values (where spelled numbers are read), never names.
_VALUE_KEYS = (
    "hyperparameters",
    "repetitions",
    "cross_validation_folds",
    "statistical_significance_level",
    "power_analysis",
)
# Lists of names: which key names what.
ALGORITHM_KEYS = ("algorithms", "architectures", "models")
DATASET_KEYS = ("datasets", "environments")
# spec key -> (run-wide setting, where pairbench reads it otherwise)
_RUN_WIDE = {
    "cross_validation_folds": ("cv_folds", "--cv_folds"),
    "statistical_significance_level": ("alpha", "--alpha"),
    "power_analysis": ("power", "analysis.yaml power:"),
}
# The specification's power_analysis keys -> analysis.yaml's `power:` keys.
POWER_KEYS = {"effect_size_threshold": "effect", "power_threshold": "power", "minimum_sample_size": "min_samples"}


def is_spec_layout(doc: dict[str, Any]) -> bool:
    return ("benchmarks" in doc or "large_language_models" in doc) and "domains" not in doc


def external_reason(name: str) -> str:
    what, module = EXTERNAL[name]
    if module is None:
        return f"dataset {name!r}: {what}; pairbench never downloads at run time"
    if importlib.util.find_spec(module) is None:
        return f"environment {name!r}: {what} needs python module {module!r}, which is not installed"
    return f"environment {name!r}: {what} ({module} is installed) has no port to both sides yet"


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spelled_number(value: Any) -> Any:
    """A string that spells a number as that number: YAML 1.1 reads `1e-4` (no dot) and "1e-4" as text."""
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    return value


def read_numbers(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with spelled numbers read wherever a task entry holds values (never in lists of names)."""

    def values(v: Any) -> Any:
        if isinstance(v, list):
            return [values(x) for x in v]
        if isinstance(v, dict):
            return {k: values(x) for k, x in v.items()}
        return spelled_number(v)

    def domain(d: Any) -> Any:
        if not isinstance(d, dict):
            return d
        return {
            name: {k: values(v) if k in _VALUE_KEYS else v for k, v in t.items()} if isinstance(t, dict) else t
            for name, t in d.items()
        }

    out = dict(doc)
    if isinstance(doc.get("benchmarks"), dict):
        out["benchmarks"] = {k: domain(d) for k, d in doc["benchmarks"].items()}
    if "large_language_models" in doc:
        out["large_language_models"] = domain(doc["large_language_models"])
    return out


@dataclass
class _Built:
    """One pairbench task as the file's entries build it."""

    shipped: TaskSpec
    algorithms: dict[str, dict[str, Any]] = field(default_factory=dict)
    dataset_params: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    datasets: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    samples: tuple[int, str] | None = None  # (repetitions, the key that set it)
    given_by: dict[str, str] = field(default_factory=dict)  # algorithm -> the key that named it


class _Translation:
    def __init__(self, p: Problems, base: Catalogue) -> None:
        self.p = p
        self.base = base
        self.shipped = {(t.domain, t.task): t for t in base.tasks}
        self.built: dict[tuple[str, str], _Built] = {}
        self.skipped: list[dict[str, Any]] = []
        self.stand_ins: list[dict[str, Any]] = []
        self.entries: list[dict[str, Any]] = []
        self.run_wide: dict[str, tuple[Any, str]] = {}

    # --- bookkeeping ------------------------------------------------------------------------------

    def skip(self, kind: str, name: str, domain: str | None, task: str | None, reason: str) -> None:
        entry = {"kind": kind, "name": name, "domain": domain, "task": task, "reason": reason}
        if entry not in self.skipped:
            self.skipped.append(entry)

    def stand_in(self, spec: str, pairbench: str, domain: str, task: str, note: str) -> None:
        entry = {"spec": spec, "pairbench": pairbench, "domain": domain, "task": task, "note": note}
        if entry not in self.stand_ins:
            self.stand_ins.append(entry)

    def name_ok(self, key: str, name: str) -> bool:
        if why := config_name_problem(name):
            self.p.add(key, why)
            return False
        return True

    def unknown(
        self, key: str, kind: str, name: str, candidates: list[str], where: tuple[str | None, str | None], reason: str
    ) -> None:
        """A name neither the catalogue nor the specification's vocabulary knows: a misspelling of a known
        name is an error (it names the close match); any other name is skipped with `reason`."""
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.85)
        if close:
            self.p.add(key, f"unknown {kind} {name!r}; did you mean {close[0]!r}?", sorted(set(candidates)))
        else:
            self.skip(kind, name, where[0], where[1], reason)

    # --- domains and tasks ------------------------------------------------------------------------

    def domain(self, dkey: str, given: str) -> str | None:
        if not self.name_ok(dkey, given):
            return None
        domain = DOMAIN_ALIASES.get(given, given)
        known = sorted({d for d, _ in self.shipped})
        if domain in known:
            return domain
        self.unknown(
            dkey, "domain", given, known + list(DOMAIN_ALIASES), (None, None), f"pairbench has no domain {given!r}"
        )
        return None

    def tasks_of(self, domain: str, key: str, given: str) -> list[str]:
        """The pairbench tasks a task name of the specification becomes (none: skipped or an error)."""
        if not self.name_ok(key, given):
            return []
        known = sorted(t for d, t in self.shipped if d == domain)
        aliases = TASK_ALIASES.get(domain, {})
        if given in known:
            return [given]
        if given in aliases and given != "*":
            if note := TASK_STAND_INS.get((domain, given)):
                for t in aliases[given]:
                    self.stand_in(given, t, domain, t, note)
            return [t for t in aliases[given] if t in known]
        if (domain, given) in TASK_SKIPS:
            self.skip("task", given, domain, given, TASK_SKIPS[(domain, given)])
            return []
        if "*" in aliases:
            return [t for t in aliases["*"] if t in known]
        self.unknown(
            key,
            "task",
            given,
            known + [a for a in aliases if a != "*"],
            (domain, given),
            f"pairbench has no {given!r} task in {domain} (its tasks: {', '.join(known)})",
        )
        return []

    def entry(self, domain: str, tkey: str, given: str, tentry: dict[str, Any]) -> None:
        """One task entry of the file (a task, or a task group with its own `tasks` list)."""
        group = "tasks" in tentry
        if group:  # the specification's `transformer`: a group of models and the tasks to run them on
            if not self.name_ok(tkey, given):
                return
            spec_tasks = {t: self.tasks_of(domain, f"{tkey}.tasks", t) for t in tentry["tasks"]}
        else:
            spec_tasks = {given: self.tasks_of(domain, tkey, given)}
        targets = list(dict.fromkeys(t for ts in spec_tasks.values() for t in ts))
        record: dict[str, Any] = {
            "key": tkey,
            "tasks": {s: [f"{domain}/{t}" for t in ts] for s, ts in spec_tasks.items()},
        }
        known = {t for d, t in self.shipped if d == domain}
        if domain in TASK_NOTES and any(s not in known and ts for s, ts in spec_tasks.items()):
            record["note"] = TASK_NOTES[domain]
        self.entries.append(record)
        if not targets:
            return
        for t in targets:
            self.built.setdefault((domain, t), _Built(self.shipped[(domain, t)]))
        record["datasets"] = self.datasets(domain, tkey, tentry, targets)
        record["algorithms"] = self.algorithms(domain, tkey, tentry, targets, group)
        record["hyperparameters"] = self.hyperparameters(domain, tkey, tentry, targets)
        record["metrics"] = self.metrics(domain, tkey, tentry, targets)
        record["settings"] = self.settings(domain, tkey, tentry, targets)

    # --- names --------------------------------------------------------------------------------------

    def datasets(self, domain: str, tkey: str, tentry: dict[str, Any], targets: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not any(k in tentry for k in DATASET_KEYS):
            # The specification's llm group names none: each task keeps the catalogue's.
            for t in targets:
                b = self.built[(domain, t)]
                b.datasets += [d for d in b.shipped.datasets if d not in b.datasets]
            return {"<not given>": "the catalogue's datasets of " + ", ".join(targets)}
        aliases = DATASET_ALIASES.get(domain, {})
        for list_key in DATASET_KEYS:
            kind = "environment" if list_key == "environments" else "dataset"
            for name in tentry.get(list_key, []):
                key = f"{tkey}.{list_key}"
                if not self.name_ok(key, name):
                    continue
                ds = aliases.get(name, name)
                into = [t for t in targets if ds in self.shipped[(domain, t)].datasets]
                for t in into:
                    b = self.built[(domain, t)]
                    if ds not in b.datasets:
                        b.datasets.append(ds)
                out[name] = ds if into else None
                if into:
                    continue
                if name in EXTERNAL:
                    self.skip(kind, name, domain, targets[0], external_reason(name))
                elif name in ENVIRONMENT_SKIPS:
                    self.skip(kind, name, domain, targets[0], f"environment {name!r}: {ENVIRONMENT_SKIPS[name]}")
                elif ds in self.base.datasets:
                    allowed = sorted({d for t in targets for d in self.shipped[(domain, t)].datasets})
                    self.p.add(key, f"{kind} {name!r} is not one of {', '.join(targets)}'s", allowed)
                else:
                    candidates = [*self.base.datasets, *aliases]
                    self.unknown(
                        key,
                        kind,
                        name,
                        candidates,
                        (domain, targets[0]),
                        f"{kind} {name!r} is not in pairbench's catalogue",
                    )
        return out

    def algorithms(
        self, domain: str, tkey: str, tentry: dict[str, Any], targets: list[str], group: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for list_key in ALGORITHM_KEYS:
            kind = {"algorithms": "algorithm", "architectures": "architecture", "models": "model"}[list_key]
            for name in tentry.get(list_key, []):
                key = f"{tkey}.{list_key}"
                if not self.name_ok(key, name):
                    continue
                mapped = {t: a for t in targets if (a := self.algorithm(domain, t, name)) is not None}
                for t, a in mapped.items():
                    b = self.built[(domain, t)]
                    if a in b.given_by and b.given_by[a] != tkey:
                        self.p.add(key, f"{name!r} is {domain}/{t} {a!r}, which {b.given_by[a]} already names")
                        continue
                    b.given_by[a] = tkey
                    b.algorithms.setdefault(a, dict(b.shipped.algorithms[a]))
                    ov = {ds: dict(v) for ds, v in b.shipped.dataset_params.get(a, {}).items()}
                    b.dataset_params.setdefault(a, ov)
                out[name] = {t: a for t, a in mapped.items()} or None
                if mapped and group:
                    for t in targets:
                        if t not in mapped:
                            why = MODEL_TASK_SKIPS.get(t, f"not a {t} model of pairbench's")
                            self.skip(kind, name, domain, t, f"{kind} {name!r} for {t}: {why}")
                if mapped:
                    continue
                if name in ALGORITHM_SKIPS:
                    self.skip(kind, name, domain, targets[0], f"{kind} {name!r}: {ALGORITHM_SKIPS[name]}")
                    continue
                known = sorted({a for t in targets for a in self.shipped[(domain, t)].algorithms})
                elsewhere = sorted({t for (d, t), s in self.shipped.items() if d == domain and name in s.algorithms})
                if elsewhere and not group:
                    self.p.add(
                        key, f"{kind} {name!r} is one of {', '.join(elsewhere)}'s, not {', '.join(targets)}'s", known
                    )
                elif elsewhere or any(m == name for m, _ in MODELS):
                    for t in targets:
                        why = MODEL_TASK_SKIPS.get(
                            t, f"not a {t} model of pairbench's (its models: {', '.join(known)})"
                        )
                        self.skip(kind, name, domain, t, f"{kind} {name!r} for {t}: {why}")
                else:
                    candidates = known + [a for a, v in ALGORITHM_ALIASES.items() if v in known]
                    self.unknown(
                        key,
                        kind,
                        name,
                        candidates,
                        (domain, targets[0]),
                        f"{kind} {name!r} is not in pairbench's catalogue (its {', '.join(targets)} "
                        f"{kind}s: {', '.join(known)})",
                    )
        return out

    def algorithm(self, domain: str, task: str, name: str) -> str | None:
        shipped = self.shipped[(domain, task)]
        a = ALGORITHM_ALIASES.get(name, name)
        if a in shipped.algorithms:
            if a in CATALOGUE_STAND_INS:
                self.stand_in(name, a, domain, task, CATALOGUE_STAND_INS[a])
            return a
        if (name, task) in MODELS and MODELS[(name, task)][0] in shipped.algorithms:
            a, note = MODELS[(name, task)]
            self.stand_in(name, a, domain, task, note)
            return a
        return None

    # --- values -------------------------------------------------------------------------------------

    def hyperparameters(
        self, domain: str, tkey: str, tentry: dict[str, Any], targets: list[str]
    ) -> dict[str, list[str]]:
        hyper = tentry.get("hyperparameters") or {}
        used: dict[str, list[str]] = {}
        # The algorithms this entry names (another entry may give the same pairbench task others).
        built = []
        for t in targets:
            b = self.built[(domain, t)]
            built += [(t, a, b) for a in b.algorithms if b.given_by.get(a) == tkey]
        for name, value in hyper.items():
            hkey = f"{tkey}.hyperparameters.{shown(name)}"
            if not self.name_ok(hkey, name) or isinstance(value, dict):
                continue
            if name == SEED_PARAM:
                used[name] = [self.seed(hkey, value, domain, targets[0])]
                continue
            used[name] = [
                f"{domain}/{t}.{a}.{pname}"
                for t, a, b in built
                if self.set_param(hkey, domain, t, a, b, pname := PARAM_ALIASES.get(t, {}).get(name, name), value)
            ]
            if not used[name]:
                algos = ", ".join(sorted({a for _, a, _ in built})) or "none"
                why = UNUSED_PARAMS.get(name) or f"no selected algorithm of {', '.join(targets)} ({algos}) has it"
                self.skip("hyperparameter", name, domain, targets[0], f"hyperparameter {name!r}: {why}")
        # pairbench's own form: <algorithm>: {<parameter>: grid} applies to that algorithm alone.
        for algo_given, grid in hyper.items():
            if not isinstance(grid, dict):
                continue
            hkey = f"{tkey}.hyperparameters.{shown(algo_given)}"
            algo = ALGORITHM_ALIASES.get(algo_given, algo_given)
            mine = [(t, a, b) for t, a, b in built if a == algo]
            if not mine:
                self.p.add(hkey, "not one of this task's algorithms", sorted({a for _, a, _ in built}) or "<none>")
                continue
            for name, value in grid.items():
                if name == SEED_PARAM:
                    used[f"{algo_given}.{name}"] = [self.seed(f"{hkey}.{name}", value, domain, targets[0])]
                    continue
                done = [
                    f"{domain}/{t}.{a}.{pname}"
                    for t, a, b in mine
                    if self.set_param(
                        f"{hkey}.{name}", domain, t, a, b, pname := PARAM_ALIASES.get(t, {}).get(name, name), value
                    )
                ]
                if not done:
                    self.p.add(
                        f"{hkey}.{shown(name)}", f"not a parameter of {algo}", sorted(mine[0][2].algorithms[algo])
                    )
                used[f"{algo_given}.{name}"] = done
        return used

    def set_param(self, hkey: str, domain: str, task: str, algo: str, b: _Built, pname: str, value: Any) -> bool:
        """Give `algo` the value (or axis) of its parameter `pname`; False when it has no such parameter."""
        params = b.algorithms[algo]
        if pname in params:
            # scikit-learn's kernel gamma may also be a rule, resolved per cell (pairbench.configuration.point_values).
            rules = GAMMA_RULES if domain == "classical_ml" and pname == "gamma" and algo in GAMMA_ALGORITHMS else ()
            params[pname] = self.like(hkey, algo, pname, value, params[pname], rules)
            # The file's value wins over a shipped per-dataset one (DBSCAN's eps per dataset).
            for ov in b.dataset_params.get(algo, {}).values():
                ov.pop(pname, None)
            return True
        if value_rule(domain, algo, pname) is not None:
            params[pname] = value  # resolved per grid point by phase 1 (pairbench.configuration.point_values)
            return True
        return False

    def like(self, hkey: str, algo: str, pname: str, value: Any, shipped: Any, rules: tuple[str, ...] = ()) -> Any:
        """`value` in the types of the shipped value: an integral 1000.0 for an integer parameter is 1000,
        an integer for a real one is a float (the Rust sides read them by type). A value of another kind
        (text for a number, null) is named; `rules` are the words a number may also be given as."""
        kinds = {type(v) for v in (shipped if isinstance(shipped, list) else [shipped])}

        def one(v: Any) -> Any:
            if isinstance(v, str) and rules:
                if v not in rules:
                    self.p.add(hkey, f"{pname} {v!r} for {algo}", "a positive number, " + ", ".join(rules))
                return v
            if type(v) in kinds:
                return v
            if int in kinds and isinstance(v, float) and v.is_integer():
                return int(v)
            if float in kinds and isinstance(v, int) and not isinstance(v, bool):
                return float(v)
            want = " or ".join(sorted({_KIND.get(k, k.__name__) for k in kinds}))
            self.p.add(hkey, f"{v!r} for {algo}.{pname}: expected {want}")
            return v

        return [one(v) for v in value] if isinstance(value, list) else one(value)

    def seed(self, key: str, value: Any, domain: str, task: str) -> str:
        """`random_state`: the run's seed. A list's first value is the seed; the others are skipped."""
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            self.p.add(key, f"{value!r}", "a non-negative integer (the run's seed)")
            return "seed"
        for v in values[1:]:
            self.skip(
                "hyperparameter",
                f"{SEED_PARAM}={v}",
                domain,
                task,
                f"one seed per run (it draws the data split and every side's initial state): "
                f"{values[0]} is used; run again with random_state: {v} for that seed",
            )
        self.agree(key, "seed", values[0], SEED_PARAM)
        return "seed"

    def metrics(self, domain: str, tkey: str, tentry: dict[str, Any], targets: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in tentry.get("metrics", []):
            if not self.name_ok(f"{tkey}.metrics", name):
                continue
            metric, note = METRIC_NOTES.get(name, (METRIC_ALIASES.get(name, name), None))
            into = [t for t in targets if metric in (*QUALITY_METRICS.get(t, ()), *MEASURED)]
            for t in into:
                b = self.built[(domain, t)]
                if metric not in b.metrics:
                    b.metrics.append(metric)
            if into:
                out[name] = metric if note is None else f"{metric} ({note})"
                continue
            out[name] = None
            computed = sorted({m for t in targets for m in (*QUALITY_METRICS.get(t, ()), *MEASURED)})
            why = METRIC_NOT_COMPUTED.get(name) or f"pairbench does not compute it for {', '.join(targets)}"
            self.skip(
                "metric",
                name,
                domain,
                targets[0],
                f"metric {name!r} not computed: {why} (computed: {', '.join(computed)})",
            )
        return out

    def settings(self, domain: str, tkey: str, tentry: dict[str, Any], targets: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "repetitions" in tentry:
            n = tentry["repetitions"]
            for t in targets:
                b = self.built[(domain, t)]
                if b.samples is not None and b.samples[0] != n:
                    self.p.add(
                        f"{tkey}.repetitions", f"{n} differs from {b.samples[1]} for {domain}/{t}", f"{b.samples[0]}"
                    )
                b.samples = b.samples or (n, f"{tkey}.repetitions")
            out["repetitions"] = "samples per launch of " + ", ".join(targets)
        for spec_key, (setting, where) in _RUN_WIDE.items():
            if spec_key not in tentry:
                continue
            value = self.power(f"{tkey}.{spec_key}", tentry[spec_key]) if setting == "power" else tentry[spec_key]
            out[spec_key] = f"{where} = {value}"
            if value != {}:  # power_analysis: true sets nothing, so it agrees with any other task
                self.agree(f"{tkey}.{spec_key}", setting, value, where)
        return out

    def power(self, key: str, value: Any) -> dict[str, Any]:
        """`power_analysis` as analysis.yaml's `power:` section: the specification's keys (effect_size_threshold,
        power_threshold, minimum_sample_size) or pairbench's; a number is the power; true or false keeps
        analysis.yaml's values (the analysis always reports the samples needed, so it cannot be switched off)."""
        if not isinstance(value, dict):
            return {} if isinstance(value, bool) else {"power": value}
        out: dict[str, Any] = {}
        for k, v in value.items():
            setting = POWER_KEYS.get(k, k)
            if setting in out and out[setting] != v:
                self.p.add(f"{key}.{k}", f"{v!r} and {out[setting]!r} both set {setting}; give one")
            out[setting] = v
        return out

    def agree(self, key: str, setting: str, value: Any, where: str) -> None:
        """Record a run-wide setting; a value that differs from another task's is a problem."""
        if setting in self.run_wide and self.run_wide[setting][0] != value:
            self.p.add(
                key,
                f"{value!r} differs from {self.run_wide[setting][1]}: it is one setting per run ({where})",
                f"{self.run_wide[setting][0]!r}",
            )
        self.run_wide.setdefault(setting, (value, key))


_KIND = {bool: "true or false", int: "an integer", float: "a number", str: "text"}


def translate(doc: dict[str, Any], path: Path, base: Catalogue) -> Catalogue:
    """The catalogue `doc` (spec layout) selects from `base`, or ConfigError listing every problem."""
    p = Problems(str(path))
    doc = read_numbers(doc)
    p.items.extend(schema_problems(doc, "spec_benchmarks", str(path)))
    if p.items:  # names are only checked in a well-shaped document
        raise ConfigError(p.items)
    tr = _Translation(p, base)
    sections = [(f"benchmarks.{shown(d)}", d, entry) for d, entry in (doc.get("benchmarks") or {}).items()]
    if "large_language_models" in doc:
        sections.append(("large_language_models", "large_language_models", doc["large_language_models"]))
    seen: dict[str, str] = {}
    for dkey, given, dentry in sections:
        domain = tr.domain(dkey, given)
        if domain is None:
            continue
        if domain in seen:
            p.add(dkey, f"the same domain as {seen[domain]}; give its tasks once")
            continue
        seen[domain] = dkey
        for task_given, tentry in dentry.items():
            tr.entry(domain, f"{dkey}.{shown(task_given)}", task_given, tentry)
    if p.items:
        raise ConfigError(p.items)
    tasks = [
        replace(
            b.shipped,
            datasets=tuple(b.datasets),
            algorithms=b.algorithms,
            dataset_params={
                a: {ds: ov for ds, ov in per.items() if ds in b.datasets and ov} for a, per in b.dataset_params.items()
            },
            metrics=tuple(b.metrics),
            samples=b.samples[0] if b.samples else None,
        )
        for b in tr.built.values()
        if b.algorithms and b.datasets
    ]
    domains = {t.domain for t in tasks}
    used = {ds for t in tasks for ds in t.datasets}
    run_settings = {k: v for k, (v, _) in tr.run_wide.items()}
    return replace(
        base,
        tasks=tasks,
        defaults={**base.defaults, **({"seed": run_settings["seed"]} if "seed" in run_settings else {})},
        datasets={n: s for n, s in base.datasets.items() if n in used},
        domain_frameworks={d: fws for d, fws in base.domain_frameworks.items() if d in domains},
        skipped=tuple(tr.skipped),
        run_settings=run_settings,
        layout="specification",
        mapping={"entries": tr.entries, "stand_ins": tr.stand_ins},
    )
