"""Argument helpers shared by the verbs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pairbench.core.paths import config_dir


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--benchmarks", type=Path, default=config_dir() / "benchmarks.yaml")
    parser.add_argument("--frameworks", type=Path, default=config_dir() / "frameworks.yaml")


def read_json(path: Path | None) -> dict[str, Any]:
    """A JSON object from `path` ({} for None); a missing or malformed file is a named ConfigError."""
    from pairbench.configuration.config import ConfigError

    if path is None:
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not a UTF-8 text file"]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError([f"{path}: not valid JSON: {exc}"]) from None
    if not isinstance(doc, dict):
        raise ConfigError([f"{path}: <root>: expected a JSON object, got {type(doc).__name__}"])
    return doc


def write_json(doc: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")


def grid_line(counts: dict[str, int], grid: str) -> str:
    """How many cells each grid mode makes, said before anything runs (full grids run to thousands)."""
    other = "all" if grid == "first" else "first"
    return f"grid: {counts[grid]} cell(s) with --grid {grid} (this run), {counts[other]} with --grid {other}" + (
        " (--grid all runs every point of every grid)" if grid == "first" else ""
    )
