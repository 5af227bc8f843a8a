"""Grid values only one library understands, made plain before both sides get them.

Both sides of a cell read the same parameters from its file, so every value must mean the same thing
to each. Two kinds of catalogue value do not:

- a value only one library can compute: scikit-learn's `gamma: "scale"` (1 / (n_features · Var(X_train)))
  and `"auto"` (1 / n_features). Phase 1 computes the number on the cell's own training split (the same
  split phase 3 writes: `materialise` with the same seed, test fraction and dtype, into a temporary
  folder) and writes it into the cell, with `gamma_from` saying which rule gave it. It is done here and
  not in the sides so that no side has a rule of its own: linfa is never told "scale", and the number
  is in the cell file, the cell id, selection.json and the report. Cross-validation folds use the same
  number (scikit-learn would recompute "scale" per fold; one number keeps both sides on one problem).
- a value neither side can honour the same way (`probability: true`: linfa-svm has no probability
  estimates): its grid point is skipped with the reason, and the value both sides do honour (false) is
  left out of the cell, since it is what both do anyway.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pairbench.datasets.materialise import DatasetSpec

GAMMA_RULES = ("scale", "auto")
# Algorithms whose `gamma` is scikit-learn's kernel coefficient (pairbench.tasks.classical.kernels).
GAMMA_ALGORITHMS = frozenset({"svc", "nusvc", "svr", "nusvr"})


@dataclass(frozen=True)
class ValueRule:
    """A parameter neither side reads, whose `honoured` values are what every side does anyway."""

    algorithms: frozenset[str] | None  # None: every algorithm of the domain
    honoured: tuple[Any, ...]
    why_not: str  # formatted with {value}

    def honours(self, value: Any) -> bool:
        # bool is an int in Python: 0 must not pass for False, nor "Adam" fail for "adam".
        if isinstance(value, str):
            value = value.lower()
        return any(type(value) is type(h) and value == h for h in self.honoured)


VALUE_RULES: dict[tuple[str, str], ValueRule] = {
    ("classical_ml", "probability"): ValueRule(
        frozenset({"svc", "nusvc"}),
        (False,),
        "probability={value!r}: linfa-svm has no probability estimates (Platt scaling), and scikit-learn's "
        "would add a cross-validated calibration to its fit, so the two sides would not do the same work",
    ),
    ("deep_learning", "optimizer"): ValueRule(
        None,
        ("adam", "adamw"),
        "optimizer {value!r}: every side trains with AdamW (candle-nn's SGD has no momentum, so no other "
        "optimiser is the same on every side)",
    ),
}


def value_rule(domain: str, algorithm: str, param: str) -> ValueRule | None:
    rule = VALUE_RULES.get((domain, param))
    if rule is None or (rule.algorithms is not None and algorithm not in rule.algorithms):
        return None
    return rule


def sklearn_gamma(rule: str, X_train: Any) -> float:
    """scikit-learn's own definitions (sklearn.svm._base.BaseLibSVM.fit), on dense data."""
    n_features = int(X_train.shape[1])
    if rule == "auto":
        return 1.0 / n_features
    var = float(X_train.var())
    return 1.0 / (n_features * var) if var != 0 else 1.0


class PointResolver:
    """Resolves the grid points of one selection; each dataset's training split is drawn once."""

    def __init__(self, datasets: dict[str, DatasetSpec], defaults: dict[str, Any]) -> None:
        self._datasets = datasets
        self._defaults = defaults
        self._train: dict[str, Any] = {}

    def _x_train(self, dataset: str) -> Any:
        if dataset not in self._train:
            import numpy as np

            from pairbench.datasets.materialise import materialise

            with tempfile.TemporaryDirectory(prefix="pairbench-phase1-") as tmp:
                materialise(
                    self._datasets[dataset],
                    Path(tmp) / dataset,
                    seed=int(self._defaults["seed"]),
                    test_fraction=float(self._defaults["test_fraction"]),
                    dtype=str(self._defaults["dtype"]),
                )
                self._train[dataset] = np.load(Path(tmp) / dataset / "X_train.npy", allow_pickle=False)
        return self._train[dataset]

    def resolve(
        self, domain: str, algorithm: str, dataset: str, point: dict[str, Any], data: bool = True
    ) -> tuple[dict[str, Any], str | None]:
        """The point as both sides get it, and why it is skipped (None when it runs).

        `data` False leaves data-dependent values as written (a cell skipped for another reason, or a
        count of cells), so no dataset is drawn for them.
        """
        point = dict(point)
        for param in [p for p in point if (domain, p) in VALUE_RULES]:
            rule = value_rule(domain, algorithm, param)
            if rule is None:
                continue
            value = point.pop(param)
            if not rule.honours(value):
                point[param] = value
                return point, rule.why_not.format(value=value)
        gamma = point.get("gamma")
        if domain == "classical_ml" and algorithm in GAMMA_ALGORITHMS and gamma in GAMMA_RULES and data:
            point["gamma"] = sklearn_gamma(str(gamma), self._x_train(dataset))
            point["gamma_from"] = gamma
        return point, None
