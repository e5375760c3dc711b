"""Sealing secret characteristics (decomposition/secrets.py) before anything reaches a workflow:
the API keeps the values in the store and passes references on."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from api.errors import TmfError
from decomposition.secrets import (
    SEALED_PREFIX,
    Sealing,
    is_sealed,
    seal_order,
    seal_values,
    secret_rules,
)
from store.catalogs import catalog_version


def new_ref() -> str:
    return f"{SEALED_PREFIX}{uuid.uuid4().hex}"


def _checked(sealing: Sealing) -> Sealing:
    if sealing.problems:
        raise TmfError(422, "InvalidBody", sealing.problems[0], "; ".join(sealing.problems))
    return sealing


def sealed_refs(document: Mapping[str, Any]) -> set[str]:
    """The references an order document holds (its secrets, as GET shows them)."""
    return {
        char["value"]
        for item in document.get("productOrderItem") or ()
        for char in (item.get("product") or {}).get("productCharacteristic") or ()
        if is_sealed(char.get("value"))
    }


def sealed_order(
    document: Mapping[str, Any], version: str | None = None, kept: Collection[str] = ()
) -> Sealing:
    """An order document or merge patch with its secret values sealed; 422 for a bad one."""
    rules = secret_rules(catalog_version(version))
    return _checked(seal_order(document, rules, new_ref, kept))


def sealed_params(params: Mapping[str, Any], version: str | None, where: str = "params") -> Sealing:
    """Characteristics by name (an agent's corrected task data, information an item waits
    for) with their secret values sealed; 422 for a bad one."""
    rules = secret_rules(catalog_version(version))
    return _checked(seal_values(params, rules, new_ref, where))
