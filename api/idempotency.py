"""Idempotency bound to what it protects: the caller, and the request itself.

A replay (the same `Idempotency-Key`, or the same party's `externalId`) answers with the first
order only if it is the same request; the same key with another body is a 422
(`IdempotencyKeyReused`), never someone's first order. Keys are scoped to the caller, so one
caller can never receive another's order by guessing its key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from api.errors import TmfError
from decomposition.secrets import SEALED_PREFIX
from tmf.product_order import ProductOrderCreate


def idempotency_scope(order: ProductOrderCreate) -> str:
    """Whose keys these are. For now the order's customer party; once requests carry an
    authenticated caller, that caller (the one place to change)."""
    return order.customer_id() or ""


def scoped_key(order: ProductOrderCreate, key: str | None) -> str | None:
    """The key as stored: the scope's digest (fixed length, whatever the party id) and the key."""
    if key is None:
        return None
    if not key.strip():
        raise TmfError(400, "InvalidHeader", "Idempotency-Key must not be empty")
    scope = hashlib.sha256(idempotency_scope(order).encode()).hexdigest()[:32]
    return f"{scope}:{key}"


def _without_seal_ids(value: Any) -> Any:
    # Each request seals its secrets under new ids; the fingerprint must not see them (nor the
    # secret itself, whose hash a short PIN would give away).
    if isinstance(value, str) and value.startswith(SEALED_PREFIX):
        return SEALED_PREFIX
    if isinstance(value, dict):
        return {k: _without_seal_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_seal_ids(v) for v in value]
    return value


def request_fingerprint(document: Mapping[str, Any]) -> str:
    """A digest of the order as requested (secrets sealed), independent of key order."""
    canonical = json.dumps(_without_seal_ids(dict(document)), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
