"""What a JSON value from a client may hold: finite numbers, valid Unicode, bounded nesting.

Python's `json` reads `NaN`, `Infinity` and `1e400` (as inf) and lone surrogates (`"\\ud800"`);
none of them survives the way to Temporal (the data converter writes strict JSON and UTF-8),
so an order holding one was accepted and then could never start. Checked before the 201.
"""

from __future__ import annotations

import json
import math
from typing import Any


class JsonValueError(ValueError):
    """The body is JSON, but holds something Tessera cannot keep or pass on."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonValueError(f"number out of range: {text[:40]}")
    return value


def _no_constant(name: str) -> Any:
    raise JsonValueError(f"{name} is not a JSON number")


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_problem(value: Any, max_depth: int) -> str | None:
    """Why `value` (parsed JSON) cannot be accepted, or None. Iterative: no recursion limit."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels"
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict) and not all(_valid_text(k) for k in item):
                return "a field name is not valid Unicode (lone surrogate)"
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            if not _valid_text(item):
                return "a text value is not valid Unicode (lone surrogate)"
        elif isinstance(item, float) and not math.isfinite(item):
            return "numbers must be finite (no NaN or Infinity)"
    return None


def parse_client_json(body: bytes, max_depth: int) -> Any:
    """The parsed body; raises JsonValueError for a value Tessera refuses, ValueError (not
    JsonValueError) for text that is not JSON at all (the route reports that itself)."""
    try:
        value = json.loads(body, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise JsonValueError(f"JSON nested deeper than {max_depth} levels") from None
    problem = json_problem(value, max_depth)
    if problem is not None:
        raise JsonValueError(problem)
    return value


def json_size(value: Any) -> int:
    """Bytes of `value` as compact JSON, the way it travels in a Temporal payload."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
