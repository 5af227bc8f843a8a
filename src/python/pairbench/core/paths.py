"""Where the project's shared files live.

The package is installed editable from the repository, so the repository root is found relative to
this file; `PAIRBENCH_HOME` overrides it for installs elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    override = os.environ.get("PAIRBENCH_HOME")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[4]


def schema_path(name: str = "result") -> Path:
    return project_root() / "schemas" / f"{name}.schema.json"


def config_dir() -> Path:
    return project_root() / "config"


def rust_target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", project_root() / "target"))
