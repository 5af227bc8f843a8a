"""Phase 3 environment capture: every machine and software fact that could explain a difference."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

from pairbench.core.frameworks import installed_version
from pairbench.core.paths import project_root
from pairbench.core.schema import cpu_model
from pairbench.harness.threads import THREAD_VARIABLES

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


def _cpu_list(text: str | None) -> list[int]:
    """'0-2,5' -> [0, 1, 2, 5] (the kernel's cpulist format); [] for empty or unreadable."""
    out: list[int] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            out += list(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            return []
    return out


def system_facts() -> dict[str, Any]:
    """What pyperf's `system show` checks, with its warnings: CPU frequency governor per CPU, turbo
    boost, ASLR, isolated and nohz_full CPUs, and the load at capture time. Also the kernel's scheduler
    autogroup: with it on, `nice` ranks processes only within one session, so other sessions' work at
    nice 19 still takes an equal share of a CPU from a measured launch."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    governors = {c: _read(f"/sys/devices/system/cpu/cpu{c}/cpufreq/scaling_governor") for c in cpus}
    no_turbo = _read("/sys/devices/system/cpu/intel_pstate/no_turbo")
    boost = _read("/sys/devices/system/cpu/cpufreq/boost")
    turbo = "off" if no_turbo == "1" or boost == "0" else "on" if no_turbo == "0" or boost == "1" else "unknown"
    aslr = _read("/proc/sys/kernel/randomize_va_space")
    isolated = _cpu_list(_read("/sys/devices/system/cpu/isolated"))
    nohz = _cpu_list(_read("/sys/devices/system/cpu/nohz_full"))
    autogroup = _read("/proc/sys/kernel/sched_autogroup_enabled")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    warnings = []
    bad_gov = sorted({g for g in governors.values() if g and g != "performance"})
    if bad_gov:
        warnings.append(f"CPU frequency governor {', '.join(bad_gov)} (pyperf wants 'performance')")
    if all(g is None for g in governors.values()):
        warnings.append("CPU frequency governor not readable (virtual machine?): frequency may vary")
    if turbo == "on":
        warnings.append("turbo boost is on: frequency depends on temperature and the other cores' load")
    if aslr not in (None, "0"):
        warnings.append(f"ASLR is on (randomize_va_space={aslr}): addresses, hence cache behaviour, vary by launch")
    if not isolated:
        warnings.append("no isolated CPUs (isolcpus): measured processes share their core with the system")
    if autogroup == "1":
        warnings.append(
            "scheduler autogroup is on (kernel.sched_autogroup_enabled=1): other sessions' work competes as "
            "an equal even at nice 19; turn it off (sysctl kernel.sched_autogroup_enabled=0) on a shared machine"
        )
    if load is not None and cpus and load > 0.5 * len(cpus):
        warnings.append(f"load average {load:.2f} on {len(cpus)} CPUs at capture: the machine is busy")
    return {
        "cpus": cpus,
        "governors": {str(c): g for c, g in governors.items()},
        "turbo": turbo,
        "aslr": aslr,
        "isolated_cpus": isolated,
        "nohz_full_cpus": nohz,
        "sched_autogroup": autogroup,
        "load_average_1m": load,
        "warnings": warnings,
    }


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
    system = system_facts()
    summary["system_warnings"] = len(system["warnings"])
    return {
        "summary": summary,
        "system": system,
        "python": {
            "version": platform.python_version(),
            "executable": sys.executable,
            "libraries": {lib: installed_version(lib) for lib in PYTHON_LIBRARIES},
            "blas": threadpool_info(),
        },
        "rust": {"rustc": summary["rustc"], "rustc_verbose": rustc, "cargo": _run(["cargo", "--version"])},
        "java": _run(["java", "-version"]) or None,
        "thread_env": {k: os.environ.get(k) for k in THREAD_VARIABLES},
        "nextflow": {k: v for k, v in os.environ.items() if k.startswith("NXF_") and "TOKEN" not in k},
    }
