"""Checks a document the API returns against a definition of a TM Forum swagger specification:
every field it holds is declared there, with the declared type (recursively)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

SPECS = Path("/work/shared/tmf/specs")
# A copy travels with the tests, so that a checkout anywhere (CI's included) has the specs.
LOCAL_SPECS = Path(__file__).parent / "specs"


@lru_cache(maxsize=8)
def _definitions(spec_file: str) -> dict[str, Any]:
    path = LOCAL_SPECS / spec_file
    if not path.exists():
        path = SPECS / spec_file
    return dict(json.loads(path.read_text())["definitions"])


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def spec_problems(
    value: Any, spec_file: str, definition: str, where: str = "", required: bool = True
) -> list[str]:
    """What in `value` does not match `definition` (empty: it matches)."""
    definitions = _definitions(spec_file)
    return _check(value, definitions[definition], definitions, where or definition, required)


def _check(
    value: Any, schema: dict[str, Any], definitions: dict[str, Any], where: str, required: bool
) -> list[str]:
    name = _ref_name(schema)
    if name is not None:
        return _check(value, definitions[name], definitions, where, required)
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: {value!r} is not a string"]
        if schema.get("format") == "date-time":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return [f"{where}: {value!r} is not a date-time"]
        return []
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not an integer"]
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: {value!r} is not a boolean"]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not an array"]
        problems: list[str] = []
        for i, element in enumerate(value):
            problems += _check(element, schema["items"], definitions, f"{where}[{i}]", required)
        return problems
    properties = schema.get("properties")
    if properties is None:
        return []  # Any
    if not isinstance(value, dict):
        return [f"{where}: {value!r} is not an object"]
    problems = [
        f"{where}: required field '{field}' is missing"
        for field in schema.get("required", [])
        if required and field not in value
    ]
    for field, element in value.items():
        if field not in properties:
            problems.append(f"{where}: field '{field}' is not in the specification")
        else:
            problems += _check(
                element, properties[field], definitions, f"{where}.{field}", required
            )
    return problems
