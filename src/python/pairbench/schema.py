"""The shared result schema (schemas/result.schema.json): loading, validating, round-tripping.

Both languages write results in this one format; every result Python reads goes through
`validate_result` first, so a malformed Rust (or Python) result is caught at the boundary.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from pairbench.paths import schema_path

SCHEMA_VERSION = "1.0"

Result = dict[str, Any]


class ResultValidationError(ValueError):
    """A result document does not conform to the shared schema."""


@lru_cache(maxsize=4)
def load_schema(name: str = "result") -> dict[str, Any]:
    with schema_path(name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=4)
def _validator(name: str = "result") -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        load_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@lru_cache(maxsize=4)
def _fast_validator(name: str = "result") -> Any:
    """The same schema compiled to Python by fastjsonschema (~20x faster than jsonschema): analysis
    reads tens of thousands of results. Compiled as draft-07, which has every keyword the schema uses;
    jsonschema (2020-12) still produces the error messages."""
    return fastjsonschema.compile({**load_schema(name), "$schema": "http://json-schema.org/draft-07/schema#"})


def validate_result(doc: Any, source: str = "<memory>") -> Result:
    """Return `doc` if it conforms to the schema, else raise naming every violation and its path."""
    try:
        _fast_validator()(doc)
        return doc  # type: ignore[no-any-return]
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{source}: result does not match schema v{SCHEMA_VERSION}:"]
        for err in errors[:20]:
            where = "/".join(str(p) for p in err.absolute_path) or "<root>"
            lines.append(f"  - at {where}: {err.message}")
        raise ResultValidationError("\n".join(lines))
    return doc  # type: ignore[no-any-return]


def read_result(path: Path) -> Result:
    """The validated result in `path`; any unreadable, non-JSON or non-conforming file raises
    ResultValidationError (a missing file raises FileNotFoundError)."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        raise ResultValidationError(f"{path}: a directory, not a result file") from exc
    if not raw.strip():
        raise ResultValidationError(f"{path}: empty file")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ResultValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ResultValidationError(f"{path}: not valid JSON: {exc}") from exc
    return validate_result(doc, str(path))


def write_result(doc: Result, path: Path) -> None:
    validate_result(doc, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hostname() -> str:
    return socket.gethostname()
