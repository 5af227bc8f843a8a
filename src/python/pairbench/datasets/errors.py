"""Dataset refusals, importable without numpy (the worker must set thread variables before numpy loads)."""

from __future__ import annotations


class ChecksumError(RuntimeError):
    """Dataset bytes on disk differ from the manifest written when they were materialised, or the
    manifest names a file outside its data folder."""
