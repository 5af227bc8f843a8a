"""The one rule for names that become paths, file names or command words (datasets, frameworks,
algorithms, binaries): `[A-Za-z0-9_.-]+`, and not `.` or `..`. The Rust side applies the same rule
(`pairbench_core::cell::is_safe_name`)."""

from __future__ import annotations

import re

NAME_PATTERN = "[A-Za-z0-9_.-]+"
_NAME = re.compile(rf"^{NAME_PATTERN}$")


def is_safe_name(name: object) -> bool:
    return isinstance(name, str) and bool(_NAME.match(name)) and name not in (".", "..")


def name_problem(name: object) -> str | None:
    """Why `name` cannot be used as a path component or command word, or None when it can."""
    if is_safe_name(name):
        return None
    return f"invalid name {name!r}; allowed: {NAME_PATTERN} (and not . or ..)"
