"""Checks a manual task's result data against the small JSON schema the catalog gives it.

Pure, so the workflow's update validator can run it and reject bad data before history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def result_errors(schema: dict[str, Any] | None, data: dict[str, Any]) -> list[str]:
    """What is wrong with `data`; empty when it fits."""
    if not schema:
        return []
    errors = [f"'{name}' is required" for name in schema.get("required", []) if name not in data]
    properties: dict[str, Any] = schema.get("properties", {})
    for name, value in data.items():
        prop = properties.get(name)
        if prop is None:
            continue  # extra data is kept, not refused: technicians add notes
        kind = prop.get("type")
        if kind in _TYPES and (
            not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))
        ):
            errors.append(f"'{name}' must be of type {kind}")
        elif prop.get("format") == "date-time" and not _is_datetime(value):
            errors.append(f"'{name}' must be an ISO 8601 date-time")
        elif "enum" in prop and value not in prop["enum"]:
            errors.append(f"'{name}' must be one of {prop['enum']}")
    return errors
