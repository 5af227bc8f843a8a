"""Cost and energy per (cell, framework, phase) from config/hardware.yaml.

Money: wall time x the machine's price per hour x the share of its cores the run used.
Energy: measured RAPL joules when a result carries them (metadata.energy_j.<phase>), else an
*estimate*: CPU-seconds x (TDP / cores) -- every row says which of the two it is.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pairbench.analysis.tidy import CELL_KEYS
from pairbench.config import ConfigError, load_yaml
from pairbench.schema_check import schema_problems

RAPL_ROOT = Path("/sys/class/powercap")


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


def rapl_energy_uj() -> int | None:
    """Sum of the package-level RAPL counters in microjoules, or None when unreadable (no RAPL, or
    the counters are root-only as on most kernels since 2020)."""
    try:
        zones = sorted(p for p in RAPL_ROOT.glob("intel-rapl:*") if p.name.count(":") == 1)
        if not zones:
            return None
        return sum(int((z / "energy_uj").read_text()) for z in zones)
    except (OSError, ValueError):
        return None


def _matches(phase: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(phase, p) for p in patterns)


def cost_table(
    summary: pd.DataFrame, launches: pd.DataFrame, machine: Machine, settings: CostSettings | None = None
) -> pd.DataFrame:
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
    extra = [c for c in ok.columns if c.startswith(("energy_j_", "items_per_call_"))]
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
    measured = []
    for row in t.itertuples(index=False):
        col = f"energy_j_{row.phase}"
        value = getattr(row, col, np.nan) if col in t.columns else np.nan
        # Measured joules cover all timed samples of the phase; divide back to one call.
        measured.append(value / row.n_samples if pd.notna(value) else np.nan)
    t["energy_j_per_call"] = np.where(
        np.isfinite(measured), measured, t["cpu_seconds"] * machine.tdp_watts / machine.cores
    )
    t["energy_source"] = np.where(
        np.isfinite(measured),
        "measured (RAPL)",
        f"estimate: CPU-seconds x TDP/cores ({machine.tdp_watts:g} W / {machine.cores})",
    )
    t["machine"] = machine.name
    return t.drop(columns=[c for c in extra if c in t.columns])
