"""Checking an order's characteristic values against their specification, and normalizing them.

Values are normalized to one canonical form (e.g. the integer 100 for "100"), so that plans are
identical whatever spelling the channel used, and modify can compare old and new values.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from decomposition.catalog import CharacteristicSpec, ValueType

_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class CharacteristicError(ValueError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _typed(spec: CharacteristicSpec, value: Any) -> Any:
    kind = spec.value_type
    if kind == ValueType.STRING and isinstance(value, str):
        return value
    if kind == ValueType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
    if kind == ValueType.INTEGER and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value)
    if kind == ValueType.NUMBER and not isinstance(value, bool):
        if isinstance(value, int | float):
            return value
        if isinstance(value, str) and _NUMBER.match(value.strip()):
            return float(value) if "." in value else int(value)
    if kind == ValueType.DATE:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                pass
    raise CharacteristicError(
        "InvalidCharacteristicType",
        f"characteristic '{spec.name}' must be of type {spec.value_type.value}, "
        f"got {type(value).__name__} {value!r}",
    )


def normalize_value(spec: CharacteristicSpec, value: Any) -> Any:
    """The canonical value, or CharacteristicError with a specific code and reason."""
    typed = _typed(spec, value)
    if spec.allowed_values and typed not in spec.allowed_values:
        allowed = ", ".join(repr(v) for v in spec.allowed_values)
        raise CharacteristicError(
            "InvalidCharacteristicValue",
            f"characteristic '{spec.name}' value {typed!r} is not one of {allowed}",
        )
    if spec.pattern is not None and not re.fullmatch(spec.pattern, str(typed)):
        raise CharacteristicError(
            "InvalidCharacteristicValue",
            f"characteristic '{spec.name}' value does not have the expected format",
        )
    if spec.minimum is not None and typed < spec.minimum:
        raise CharacteristicError(
            "InvalidCharacteristicValue",
            f"characteristic '{spec.name}' value {typed!r} is below the minimum {spec.minimum:g}",
        )
    if spec.maximum is not None and typed > spec.maximum:
        raise CharacteristicError(
            "InvalidCharacteristicValue",
            f"characteristic '{spec.name}' value {typed!r} is above the maximum {spec.maximum:g}",
        )
    return typed
