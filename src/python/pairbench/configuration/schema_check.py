"""The one config validator: a JSON Schema under schemas/ checks a document's shape, and every
violation becomes one line in the house form `<file>: <dotted.key>: <problem>; allowed: <values>`.

Shape (keys, types, ranges, enums) lives in the schema; what depends on the code (which algorithms,
datasets and domains exist) is checked by the loader after this, with the same line form. Three
keywords of our own (JSON Schema ignores unknown keywords) say in words what a bare schema cannot:

- `expected` on any node: a violation there reads `expected <expected>, got <value>`;
- `allowed` on any node: a violation there reads `got <value>; allowed: <allowed>` (`problem`, when
  given, replaces "got": e.g. "invalid value");
- `message` on any node: a violation there reads `<message>` (e.g. a key that must not be given);
- `unknownKey` on a mapping with `additionalProperties: false`: replaces "unknown key" (e.g. "unknown
  use case"); the allowed list is the mapping's `properties`, in the schema's order.

To report a whole list rather than its first bad item, wrap the list schema in an `anyOf` of one.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from pairbench.core.paths import schema_path


@cache
def load_schema(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


def dotted(path: Any) -> str:
    """`["a", "b", 0, "c"]` -> `a.b[0].c`; the root is `<root>`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def _kind(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "integer", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


_WANT = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _lines(err: jsonschema.ValidationError) -> list[tuple[str, str]]:
    """(key, problem) pairs for one schema violation (an unknown-keys error yields one per key)."""
    key, value, v, schema = dotted(err.absolute_path), err.instance, err.validator_value, err.schema
    if isinstance(schema, dict) and "message" in schema:
        return [(key, str(schema["message"]))]
    if isinstance(schema, dict) and "expected" in schema:
        return [(key, f"expected {schema['expected']}, got {value!r}")]
    if isinstance(schema, dict) and "allowed" in schema:
        return [(key, f"{schema.get('problem', 'got')} {value!r}; allowed: {schema['allowed']}")]
    if err.validator == "additionalProperties" and v is False:
        allowed = ", ".join(schema.get("properties", {})) or "<none>"
        known = set(schema.get("properties", {}))
        unknown = schema.get("unknownKey", "unknown key")
        return [
            (f"{key}.{k}" if err.absolute_path else str(k), f"{unknown}; allowed: {allowed}")
            for k in value
            if k not in known
        ]
    if err.validator == "required":
        missing = [k for k in v if k not in value]
        return [(f"{key}.{k}" if err.absolute_path else str(k), "missing required key") for k in missing]
    if err.validator == "type":
        want = " or ".join(_WANT.get(t, t) for t in ([v] if isinstance(v, str) else v))
        return [(key, f"expected {want}, got {_kind(value)} {value!r}")]
    if err.validator == "enum":
        return [(key, f"invalid value {value!r}; allowed: {', '.join(map(str, v))}")]
    bounds = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
    if err.validator in bounds:
        return [(key, f"expected a number {bounds[err.validator]} {v}, got {value!r}")]
    if err.validator in ("minItems", "minProperties"):
        return [(key, f"expected at least {v} entr{'y' if v == 1 else 'ies'}, got {value!r}")]
    return [(key, err.message)]


def schema_problems(doc: Any, schema_name: str, file: str) -> list[str]:
    """Every violation of `schemas/<schema_name>.schema.json` by `doc`, one line each, sorted by key."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    seen: list[str] = []
    for err in errors:
        for key, problem in _lines(err):
            line = f"{file}: {key}: {problem}"
            if line not in seen:
                seen.append(line)
    return seen
