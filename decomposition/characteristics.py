"""Checking an order's characteristic values against their specification, and normalizing them.

Values are normalized to one canonical form (e.g. the integer 100 for "100"), so that plans are
identical whatever spelling the channel used, and modify can compare old and new values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from decomposition.catalog import CharacteristicSpec, ValueType

# A secret characteristic's value, kept in the store, in the order as `sealed:<id>` (secrets.py).
SEALED_PREFIX = "sealed:"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class CharacteristicError(ValueError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# Read for every value: reading an attribute of an enum class is slow.
_STRING = ValueType.STRING
_INTEGER_TYPE = ValueType.INTEGER
_NUMBER_TYPE = ValueType.NUMBER
_BOOLEAN = ValueType.BOOLEAN
_DATE = ValueType.DATE


@dataclass(frozen=True, slots=True)
class ValueRule:
    """What checking a value reads of its characteristic's spec, in plain Python objects.

    Built once per characteristic spec of a catalog version (items.py keeps them with the
    offerings): attributes of the pydantic catalog models are slow to read, and an order of
    1,000 items checks thousands of values.
    """

    name: str
    value_type: ValueType
    allowed_values: list[Any]  # empty: any value
    pattern: re.Pattern[str] | None  # a full-match regular expression for strings
    minimum: float | None
    maximum: float | None
    secret: bool = False

    @classmethod
    def of(cls, spec: CharacteristicSpec) -> ValueRule:
        return cls(
            name=spec.name,
            value_type=spec.value_type,
            allowed_values=spec.allowed_values,
            pattern=re.compile(spec.pattern) if spec.pattern is not None else None,
            minimum=spec.minimum,
            maximum=spec.maximum,
            secret=spec.secret,
        )

    def normalize(self, value: Any) -> Any:
        """The canonical value, or CharacteristicError with a specific code and reason."""
        if self.secret and is_sealed(value):
            return value  # sealed: the API checked the value itself against this rule
        return self.check(value)

    def check(self, value: Any) -> Any:
        """`normalize` for a value itself, never a sealed reference."""
        typed = self._typed(value)
        if self.allowed_values and typed not in self.allowed_values:
            allowed = ", ".join(repr(v) for v in self.allowed_values)
            raise CharacteristicError(
                "InvalidCharacteristicValue",
                f"characteristic '{self.name}' value {typed!r} is not one of {allowed}",
            )
        if self.pattern is not None and not self.pattern.fullmatch(str(typed)):
            raise CharacteristicError(
                "InvalidCharacteristicValue",
                f"characteristic '{self.name}' value does not have the expected format",
            )
        if self.minimum is not None and typed < self.minimum:
            raise CharacteristicError(
                "InvalidCharacteristicValue",
                f"characteristic '{self.name}' value {typed!r} is below the minimum "
                f"{self.minimum:g}",
            )
        if self.maximum is not None and typed > self.maximum:
            raise CharacteristicError(
                "InvalidCharacteristicValue",
                f"characteristic '{self.name}' value {typed!r} is above the maximum "
                f"{self.maximum:g}",
            )
        return typed

    def _typed(self, value: Any) -> Any:
        kind = self.value_type
        if kind == _STRING and isinstance(value, str):
            return value
        if kind == _BOOLEAN:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "false"}:
                return value.lower() == "true"
        if kind == _INTEGER_TYPE and not isinstance(value, bool):
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and _INTEGER.match(value.strip()):
                return int(value)
        if kind == _NUMBER_TYPE and not isinstance(value, bool):
            if isinstance(value, int | float):
                return value
            if isinstance(value, str) and _NUMBER.match(value.strip()):
                return float(value) if "." in value else int(value)
        if kind == _DATE:
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
            f"characteristic '{self.name}' must be of type {kind.value}, "
            f"got {type(value).__name__} {value!r}",
        )


def normalize_value(spec: CharacteristicSpec, value: Any) -> Any:
    """The canonical value, or CharacteristicError with a specific code and reason."""
    return ValueRule.of(spec).normalize(value)
