"""The JSON schema of a manual task's result, from the catalog's short form (`result:` of a
task template): a type or format name per field, or "A|B|C" for one of these strings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_JSON_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


def result_schema(fields: Mapping[str, str]) -> dict[str, Any] | None:
    """The JSON schema of a manual task's result, from the catalog's short form."""
    if not fields:
        return None
    return {
        "type": "object",
        "required": list(fields),
        "properties": {k: _property(v) for k, v in fields.items()},
    }


def _property(short: str) -> dict[str, Any]:
    """One field's schema: a type or format name, or "A|B|C" for one of these strings."""
    if "|" in short:
        return {"type": "string", "enum": short.split("|")}
    return dict(_JSON_TYPES.get(short, {"type": short}))
