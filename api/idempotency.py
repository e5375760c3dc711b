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
from api.identity import Caller
from decomposition.secrets import SEALED_PREFIX


def idempotency_scope(caller: Caller) -> str:
    """Whose keys these are: a customer's party (whichever of its tokens sends the key), else
    the calling client or person (a channel, an agent), never the order's content."""
    party = caller.party_scope()
    return f"party:{party}" if party is not None else f"subject:{caller.subject}"


def scoped_key(caller: Caller, key: str | None) -> str | None:
    """The key as stored: the scope's digest (fixed length, whatever the party id) and the key."""
    if key is None:
        return None
    if not key.strip():
        raise TmfError(400, "InvalidHeader", "Idempotency-Key must not be empty")
    scope = hashlib.sha256(idempotency_scope(caller).encode()).hexdigest()[:32]
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
