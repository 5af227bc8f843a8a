"""Calibration: a kernel whose cost is known in advance, to check the verdict design itself.

A/A runs (`--aa true`) pair every side with a second arm of itself; this domain's `known_effect` cells
make the second arm do `effect` (1.10) times the work, so a design that detects nothing cannot pass
by answering `inconclusive` to everything (analysis/calibration.py). Its cells run only in A/A runs,
or when `--domains calibration` names the domain.
"""

DOMAIN = "calibration"
