"""The default of every pipeline param, from its one source: nextflow_schema.json.

nextflow.config repeats each default for Nextflow itself, as nf-core pipelines do, and a test holds the
two equal (tests/test_params_single_source.py). Python code that needs a run default (the analysis
settings, the phase-1 run params, a CLI verb run by hand) reads it here instead of writing the number
again.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pairbench.core.paths import project_root


def schema_properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every param of an nf-core style schema, its groups flattened."""
    props: dict[str, dict[str, Any]] = dict(schema.get("properties", {}))
    for group in schema.get("$defs", schema.get("definitions", {})).values():
        props.update(group.get("properties", {}))
    return props


@functools.cache
def _properties() -> dict[str, dict[str, Any]]:
    return schema_properties(json.loads((project_root() / "nextflow_schema.json").read_text(encoding="utf-8")))


def run_default(name: str) -> Any:
    """The schema's default of param `name` (KeyError names a param without one)."""
    prop = _properties()[name]
    if "default" not in prop:
        raise KeyError(f"nextflow_schema.json: --{name}: no default")
    return prop["default"]
