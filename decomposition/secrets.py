"""Sealed characteristics: a secret value (a number's porting PIN) is kept out of the order.

The catalog marks a characteristic `secret`. When an order arrives (POST, PATCH, an agent's
corrected task data), the API checks each secret value against its rule, keeps it in the store
and puts a reference (`sealed:<id>`) in its place. Only the reference travels through the order
document, the plan, Temporal history, events and the Temporal UI; the southbound activity that
needs the value reads it back, and the store forgets it when the order closes.
Pure code: the caller makes the references and stores the values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from decomposition.catalog import CatalogIndex, CatalogVersion
from decomposition.characteristics import (
    SEALED_PREFIX,
    CharacteristicError,
    ValueRule,
    is_sealed,
)

__all__ = [
    "SEALED_PREFIX",
    "SealedValue",
    "Sealing",
    "is_sealed",
    "seal_order",
    "seal_values",
    "sealed_refs",
    "secret_rules",
]


# Per catalog version (entries go with it): a version never changes, and every POST asks.
_RULES: WeakKeyDictionary[CatalogIndex, dict[str, ValueRule]] = WeakKeyDictionary()


def secret_rules(catalog: CatalogVersion) -> dict[str, ValueRule]:
    """The rule of every secret characteristic of the catalog's product specs, by name (the
    catalog check makes a name mean one secret)."""
    rules = _RULES.get(catalog.index)
    if rules is None:
        rules = {
            char.name: ValueRule.of(char)
            for spec in catalog.product_specifications
            for char in spec.characteristics
            if char.secret
        }
        _RULES[catalog.index] = rules
    return rules


@dataclass(frozen=True)
class SealedValue:
    ref: str
    name: str
    value: str


@dataclass
class Sealing:
    """The order (or merge patch) with references in place of secret values."""

    document: dict[str, Any]
    sealed: list[SealedValue] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def seal_order(
    document: Mapping[str, Any],
    rules: Mapping[str, ValueRule],
    new_ref: Callable[[], str],
    kept: Collection[str] = (),
) -> Sealing:
    """Seals every secret value of an order document or merge patch (TMF JSON).

    A value that already is a reference passes only if it is one of `kept` (the order's own,
    sent back as GET showed them); any other value is checked against its rule first.
    """
    sealing = Sealing(document=dict(document))
    items = document.get("productOrderItem")
    if not isinstance(items, list) or not rules:
        return sealing
    sealing.document["productOrderItem"] = [
        _seal_item(item, i, rules, new_ref, kept, sealing) for i, item in enumerate(items)
    ]
    return sealing


def sealed_refs(document: Mapping[str, Any]) -> set[str]:
    """The references an order document holds (its secrets, as GET shows them)."""
    return {
        char["value"]
        for item in document.get("productOrderItem") or ()
        for char in (item.get("product") or {}).get("productCharacteristic") or ()
        if is_sealed(char.get("value"))
    }


def seal_values(
    values: Mapping[str, Any],
    rules: Mapping[str, ValueRule],
    new_ref: Callable[[], str],
    where: str = "params",
) -> Sealing:
    """Seals the secret values of a flat name -> value map (an agent's corrected task data)."""
    sealing = Sealing(document=dict(values))
    for name, value in values.items():
        if name in rules:
            sealing.document[name] = _seal(name, value, rules[name], new_ref, (), where, sealing)
    return sealing


def _seal_item(
    item: Any,
    index: int,
    rules: Mapping[str, ValueRule],
    new_ref: Callable[[], str],
    kept: Collection[str],
    sealing: Sealing,
) -> Any:
    product = item.get("product") if isinstance(item, dict) else None
    if not isinstance(product, dict) or not isinstance(product.get("productCharacteristic"), list):
        return item
    chars = product["productCharacteristic"]
    where = f"productOrderItem[{index}]"
    sealed_chars = []
    for char in chars:
        name = char.get("name") if isinstance(char, dict) else None
        if isinstance(name, str) and name in rules and "value" in char:
            value = _seal(name, char["value"], rules[name], new_ref, kept, where, sealing)
            char = {**char, "value": value}
        sealed_chars.append(char)
    return {**item, "product": {**product, "productCharacteristic": sealed_chars}}


def _seal(
    name: str,
    value: Any,
    rule: ValueRule,
    new_ref: Callable[[], str],
    kept: Collection[str],
    where: str,
    sealing: Sealing,
) -> Any:
    if is_sealed(value) and value in kept:
        return value
    try:
        # A reference not in `kept` is only a value: if the rule admits it, it is sealed as one.
        typed = rule.check(value)
    except CharacteristicError as err:
        sealing.problems.append(f"{where}: {err.reason}")
        return value
    ref = new_ref()
    sealing.sealed.append(SealedValue(ref=ref, name=name, value=str(typed)))
    return ref
