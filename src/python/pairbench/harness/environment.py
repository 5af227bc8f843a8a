"""Phase 3 environment capture: every machine and software fact that could explain a difference."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

from pairbench.frameworks import installed_version
from pairbench.harness.threads import THREAD_VARIABLES
from pairbench.paths import project_root
from pairbench.schema import cpu_model

PYTHON_LIBRARIES = ("numpy", "scipy", "scikit-learn", "pandas", "matplotlib", "threadpoolctl", "psutil")


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _run(cmd: list[str]) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_flags() -> list[str]:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return sorted(f for f in flags if f.startswith(("avx", "sse4", "fma", "amx")))
    return []


def capture_environment(threads: int) -> dict[str, Any]:
    from threadpoolctl import threadpool_info

    vm = psutil.virtual_memory()
    freq = psutil.cpu_freq()
    rustc = _run(["rustc", "-vV"])
    summary = {
        "cpu_model": cpu_model(),
        "cpu_logical_cores": psutil.cpu_count(logical=True),
        "cpu_physical_cores": psutil.cpu_count(logical=False),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_freq_mhz": round(freq.current) if freq else None,
        "cpu_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") or "unavailable",
        "cpu_simd_flags": " ".join(cpu_flags()),
        "memory_gb": round(vm.total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "distribution": (_read("/etc/os-release") or "").split("PRETTY_NAME=")[-1].split("\n")[0].strip('"'),
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "rustc": (rustc or "").splitlines()[0] if rustc else "unavailable",
        "threads": threads,
        "git_commit": _run(["git", "-C", str(project_root()), "rev-parse", "HEAD"]) or "unknown",
    }
    return {
        "summary": summary,
        "python": {"version": platform.python_version(), "executable": sys.executable,
                   "libraries": {lib: installed_version(lib) for lib in PYTHON_LIBRARIES},
                   "blas": threadpool_info()},
        "rust": {"rustc": summary["rustc"], "rustc_verbose": rustc, "cargo": _run(["cargo", "--version"])},
        "java": _run(["java", "-version"]) or None,
        "thread_env": {k: os.environ.get(k) for k in THREAD_VARIABLES},
        "nextflow": {k: v for k, v in os.environ.items() if k.startswith("NXF_") and "TOKEN" not in k},
    }
