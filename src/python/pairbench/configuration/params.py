"""Pipeline params validated against nextflow_schema.json (nf-core layout), without nf-schema.

nf-schema is a Nextflow plugin that cannot be downloaded offline, so the same schema file is
enforced here: unknown params and wrong types or values fail before anything runs.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import jsonschema

from pairbench.configuration.config import ConfigError
from pairbench.configuration.run_defaults import schema_properties
from pairbench.core.paths import project_root


def validate_params(
    params: dict[str, Any], schema_file: Path | None = None, allowed_names: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """`params` if every one is known and valid, else ConfigError listing every problem.

    `allowed_names` (param -> names) lets an empty or misspelt list param say which names exist.
    """
    schema_file = schema_file or project_root() / "nextflow_schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    props = schema_properties(schema)
    allowed_names = allowed_names or {}
    problems = []
    for name, value in sorted(params.items()):
        if name not in props:
            # Nextflow adds camelCase twins of kebab/snake params; ignore those it derives itself.
            if any(name == _camel(p) for p in props):
                continue
            close = difflib.get_close_matches(name, list(props), n=1, cutoff=0.6)
            hint = f"did you mean --{close[0]}? " if close else ""
            problems.append(
                f"{schema_file.name}: --{name}: unknown parameter; {hint}allowed: {', '.join(sorted(props))}"
            )
            continue
        if value is None:
            continue
        # Nextflow reads `--name ''` (or a bare `--name`) as true: for a text param that is an empty value.
        if value is True and _accepts_string(props[name]) and not _accepts_boolean(props[name]):
            names = allowed_names.get(name)
            allowed = f"all, {', '.join(names)}" if names else props[name].get("errorMessage", "a non-empty value")
            problems.append(f"{schema_file.name}: --{name}: empty; allowed: {allowed.removeprefix('allowed: ')}")
            continue
        for err in jsonschema.Draft202012Validator(props[name]).iter_errors(value):
            allowed = props[name].get("enum")
            hint = f"; allowed: {', '.join(map(str, allowed))}" if allowed else ""
            # nf-schema's `errorMessage` says in words what a bare regex pattern cannot.
            message = (
                f"invalid value {value!r}; {props[name]['errorMessage']}"
                if "errorMessage" in props[name]
                else err.message
            )
            problems.append(f"{schema_file.name}: --{name}: {message}{hint}")
    for group in schema.get("$defs", {}).values():
        for name in group.get("required", []):
            if params.get(name) in (None, ""):
                problems.append(f"{schema_file.name}: --{name}: required parameter is missing")
    if problems:
        raise ConfigError(problems)
    return params


def _types(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _accepts_string(prop: dict[str, Any]) -> bool:
    return "string" in _types(prop)


def _accepts_boolean(prop: dict[str, Any]) -> bool:
    return "boolean" in _types(prop)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
