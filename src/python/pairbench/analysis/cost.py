"""Cost and energy per (cell, framework, phase) from config/hardware.yaml.

Money: wall time x the machine's price per hour x the share of its cores the run used.
Energy: an *estimate*, CPU-seconds x (TDP / cores), and every row says so. Neither side measures
energy: RAPL counters (/sys/class/powercap) are root-only on most kernels since 2020 and absent in
VMs and containers such as CI's, and a joule count measured on one side only would make the two
sides' rows incomparable.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pairbench.configuration.config import ConfigError, load_yaml
from pairbench.configuration.schema_check import schema_problems

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Machine:
    name: str
    cores: int
    price_per_hour_usd: float
    tdp_watts: float
    memory_gb: float | None = None
    description: str = ""


@dataclass(frozen=True)
class CostSettings:
    # Phases whose one call is a training run, and phases whose one call predicts items_per_call rows.
    training_phases: list[str] = field(default_factory=lambda: ["fit", "train*"])
    prediction_phases: list[str] = field(default_factory=lambda: ["predict", "infer*", "transform"])


def load_machine(path: Path, profile: str = "default") -> Machine:
    """Read one machine of hardware.yaml (the whole file checked against schemas/hardware.schema.json)."""
    doc = load_yaml(path)
    problems = schema_problems(doc, "hardware", str(path))
    machines = doc.get("machines")
    if isinstance(machines, dict) and machines and profile not in machines:
        problems.append(f"{path}: machines.{profile}: unknown machine profile; allowed: " + ", ".join(sorted(machines)))
    if problems:
        raise ConfigError(problems)
    m = machines[profile]
    return Machine(
        profile,
        int(m["cores"]),
        float(m["price_per_hour_usd"]),
        float(m["tdp_watts"]),
        m.get("memory_gb"),
        str(m.get("description", "")),
    )


def validate_hardware(path: Path) -> list[str]:
    """Every profile of hardware.yaml checked; the list of problems (empty when valid)."""
    try:
        return schema_problems(load_yaml(path), "hardware", str(path))
    except ConfigError as exc:  # missing file, not YAML, not a mapping
        return exc.problems


def _matches(phase: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(phase, p) for p in patterns)


def cost_table(
    summary: pd.DataFrame, launches: pd.DataFrame, machine: Machine, settings: CostSettings | None = None
) -> pd.DataFrame:
    import pandas as pd  # on use (with tidy, which imports it): the config check reads the loaders above

    from pairbench.analysis.tidy import CELL_KEYS

    settings = settings or CostSettings()
    if summary.empty:
        return pd.DataFrame()
    ok = launches[launches["status"] == "ok"]
    keys = [*CELL_KEYS, "framework"]
    per_side: dict[str, Any] = {
        "threads": ("threads", "median"),
        "cpu_percent": ("cpu_percent", "median"),
        "n_test": ("n_test", "median"),
    }
    extra = [c for c in ok.columns if c.startswith("items_per_call_")]
    per_side.update({c: (c, "median") for c in extra})
    side = ok.groupby(keys).agg(**per_side).reset_index()
    t = summary[[*keys, "phase", "median_s", "n_samples"]].merge(side, on=keys, how="left")
    cores_used = np.minimum(t["threads"].fillna(1).to_numpy(dtype=float), machine.cores)
    # CPU% is measured over the launch; it bounds how many cores were busy during the timed calls.
    busy = t["cpu_percent"].to_numpy(dtype=float) / 100.0
    busy = np.where(np.isfinite(busy) & (busy > 0), np.minimum(busy, cores_used), cores_used)
    t["cpu_seconds"] = t["median_s"] * busy
    t["cost_per_call_usd"] = t["median_s"] * machine.price_per_hour_usd / 3600.0 * cores_used / machine.cores
    items = []
    for row in t.itertuples(index=False):
        col = f"items_per_call_{row.phase}"
        value = getattr(row, col, np.nan) if col in t.columns else np.nan
        items.append(value if pd.notna(value) else row.n_test)
    t["items_per_call"] = items
    t["kind"] = [
        "training"
        if _matches(p, settings.training_phases)
        else "prediction"
        if _matches(p, settings.prediction_phases)
        else "other"
        for p in t["phase"]
    ]
    t["cost_per_training_run_usd"] = np.where(t["kind"] == "training", t["cost_per_call_usd"], np.nan)
    t["cost_per_million_predictions_usd"] = np.where(
        t["kind"] == "prediction", t["cost_per_call_usd"] / t["items_per_call"].astype(float) * 1e6, np.nan
    )
    t["energy_j_per_call"] = t["cpu_seconds"] * machine.tdp_watts / machine.cores
    t["energy_source"] = f"estimate: CPU-seconds x TDP/cores ({machine.tdp_watts:g} W / {machine.cores})"
    t["machine"] = machine.name
    return t.drop(columns=[c for c in extra if c in t.columns])
