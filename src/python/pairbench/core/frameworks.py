"""Framework identity as recorded in results: name, installed version, backend."""

from __future__ import annotations

from importlib import metadata


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def python_framework_info(spec: dict[str, str]) -> dict[str, str]:
    """`spec` is the cell's frameworks['python'] entry: name, package (distribution), backend."""
    return {
        "name": spec["name"],
        "version": installed_version(spec.get("package", spec["name"])),
        "backend": spec.get("backend", ""),
    }
