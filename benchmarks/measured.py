"""What every benchmark script records beside its figures: the machine, the commit, the date and the load,
at the start and at the end, so that a figure in benchmarks/results/ can be read without the session that
produced it. `header()` at the start, `finish()` to write the document."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

from pairbench.core.paths import project_root
from pairbench.core.schema import cpu_model


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(project_root()), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def header(what: str, **settings: Any) -> dict[str, Any]:
    """The start of a results document: what was measured, on what, at which commit, under which load."""
    return {
        "what": what,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
        "cpu_model": cpu_model(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_1_5_15_min": {"start": list(os.getloadavg())},
        "settings": settings,
        "_t0": time.monotonic(),
    }


def finish(doc: dict[str, Any], out: Path) -> None:
    """Add the end load and the wall time (unless `doc` carries those of an earlier measurement it
    re-analyses), and write `doc` to `out` (JSON)."""
    doc["load_average_1_5_15_min"].setdefault("end", list(os.getloadavg()))
    doc.setdefault("wall_s", round(time.monotonic() - doc.pop("_t0"), 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
