"""A validation problem: why an order (or one of its items) cannot be accepted as it is."""

from __future__ import annotations

from pydantic import BaseModel


class Problem(BaseModel):
    code: str  # machine-readable, e.g. "DuplicateItemId"
    reason: str  # human-readable sentence naming the offending element
    item_id: str | None = None
