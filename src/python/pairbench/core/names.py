"""The one rule for names that become paths, file names or command words (datasets, frameworks,
algorithms, binaries): `[A-Za-z0-9_.-]+`, and not `.` or `..`. The Rust side applies the same pattern
(`pairbench_core::cell::is_safe_name`).

A name from a config file is also bounded in length (MAX_NAME_LENGTH), so a pasted 5,000-character name
is refused at once rather than failing later as a file name. The bound comes from the longest file name
a name is written into verbatim: `<cell id>.<framework>.predictions.scores.npy`, where a cell id has at
most 200 characters (pairbench.core.cells.MAX_ID; longer ids end in a digest): 200 + 1 + 30 + 23 = 254,
under the 255 bytes a file name may have. Dataset and model names become folder names, and the other
names end up in cell ids (which are cut to MAX_ID), so 30 keeps every derived file name legal.
"""

from __future__ import annotations

import re

NAME_PATTERN = "[A-Za-z0-9_.-]+"
_NAME = re.compile(rf"^{NAME_PATTERN}$")
MAX_NAME_LENGTH = 30
# The longest suffix written after `<cell id>.<framework>` (validation's predictions and their scores).
LONGEST_SUFFIX = ".predictions.scores.npy"


def is_safe_name(name: object) -> bool:
    return isinstance(name, str) and bool(_NAME.match(name)) and name not in (".", "..")


def shown(name: object, limit: int = 40) -> str:
    """`name` as an error line shows it: in full when short, else its head and its length."""
    text = name if isinstance(name, str) else repr(name)
    return text if len(text) <= limit else f"{text[: limit - 10]}… ({len(text)} characters)"


def name_problem(name: object, max_length: int | None = None) -> str | None:
    """Why `name` cannot be used as a path component or command word, or None when it can.

    `max_length` bounds the name (config files pass MAX_NAME_LENGTH); checked first, so a huge name
    costs nothing more.
    """
    if max_length is not None and isinstance(name, str) and len(name) > max_length:
        return f"name of {len(name)} characters is too long; allowed: at most {max_length} characters of {NAME_PATTERN}"
    if is_safe_name(name):
        return None
    given = repr(shown(name)) if isinstance(name, str) else repr(name)
    return f"invalid name {given}; allowed: {NAME_PATTERN} (and not . or ..)"


def config_name_problem(name: object) -> str | None:
    """name_problem with the bound every name in a config file gets."""
    return name_problem(name, MAX_NAME_LENGTH)
