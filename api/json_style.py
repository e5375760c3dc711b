"""One JSON style for every answer, as TM Forum's: camelCase names, empty fields left out.

For the views built from internal (snake_case) models, such as a plan's domain orders.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_json(value: Any) -> Any:
    """JSON-ready data with camelCase keys, null values left out (models are dumped first)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {camel(str(k)): camel_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [camel_json(v) for v in value]
    return value
