"""Peak RSS and CPU use from getrusage: the same source the Rust side reads, so the numbers compare."""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    Linux: VmHWM from /proc/self/status. getrusage's ru_maxrss is *not* used there because Linux
    carries it across fork and execve, so a benchmark process started by a 170 MB Python launcher
    would report the launcher's peak. Elsewhere: ru_maxrss (KiB on Linux/BSD, bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1.0 / (1024 * 1024) if sys.platform == "darwin" else 1.0 / 1024
    return maxrss * scale


@dataclass
class CpuMeter:
    """CPU time over wall time for a region, as a percentage of one core."""

    _cpu0: float = 0.0
    _wall0: float = 0.0

    def start(self) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu0 = usage.ru_utime + usage.ru_stime
        self._wall0 = time.perf_counter()

    def percent(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter() - self._wall0
        cpu = usage.ru_utime + usage.ru_stime - self._cpu0
        return 100.0 * cpu / wall if wall > 0 else 0.0
