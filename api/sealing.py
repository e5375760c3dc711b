"""Sealing secret characteristics (decomposition/secrets.py) before anything reaches a workflow:
the API keeps the values in the store and passes references on."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.errors import TmfError
from decomposition.secrets import SEALED_PREFIX, Sealing, seal_order, seal_values, secret_rules
from store import orders
from store.catalogs import catalog_version
from store.secrets import keep_sealed


def new_ref() -> str:
    return f"{SEALED_PREFIX}{uuid.uuid4().hex}"


def _checked(sealing: Sealing) -> Sealing:
    if sealing.problems:
        raise TmfError(422, "InvalidBody", sealing.problems[0], "; ".join(sealing.problems))
    return sealing


def sealed_order(
    document: Mapping[str, Any], version: str | None = None, kept: Collection[str] = ()
) -> Sealing:
    """An order document or merge patch with its secret values sealed; 422 for a bad one."""
    rules = secret_rules(catalog_version(version))
    return _checked(seal_order(document, rules, new_ref, kept))


async def sealed_for_order(
    order_id: str, values: Mapping[str, Any], where: str = "params"
) -> dict[str, Any]:
    """Characteristics by name for an order (an agent's corrected task data, information an
    item waits for), their secret values sealed under the order's catalog version and kept;
    422 for a bad one."""
    document = await run_in_threadpool(orders.get_order, order_id) or {}
    rules = secret_rules(catalog_version(document.get("catalogVersion")))
    sealing = _checked(seal_values(values, rules, new_ref, where))
    await run_in_threadpool(keep_sealed, order_id, sealing.sealed)
    return sealing.document
