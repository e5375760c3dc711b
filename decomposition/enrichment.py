"""Enrichment, pure: the catalog's `enrich` rules applied to a captured order, before it is
decomposed. A rule sets a characteristic only where the item's specification defines it and
the order did not give it (what the customer asked for wins), and the order's priority only
when the order has none. The order keeps a note per rule that changed it, naming the rule."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from decomposition.catalog import CatalogVersion
from decomposition.rules import (
    OrderRule,
    RuleKind,
    approval_reasons,
    lookup_values,
    matches,
    rule_values,
)
from tmf.common import Characteristic, Note, OrderPrice
from tmf.product_order import SERVER_ITEM_FIELDS, ProductOrderCreate, ProductOrderItem

Order = TypeVar("Order", bound=ProductOrderCreate)


class Enrichment(BaseModel):
    """What one rule set: on an item's characteristics, or on the order (item_id None)."""

    rule: str
    item_id: str | None
    values: dict[str, Any]

    def note(self) -> Note:
        where = f"item {self.item_id}" if self.item_id else "the order"
        shown = ", ".join(f"{name}={value}" for name, value in self.values.items())
        return Note(author=f"rule:{self.rule}", text=f"Enriched {where}: {shown}")


def order_fields(order: ProductOrderCreate, total_price: float | None = None) -> dict[str, Any]:
    """The order-level names a rule condition reads (decomposition/rules.py ORDER_NAMES)."""
    channel = order.channel_name()
    return {
        "channel": channel.lower() if channel else None,
        "customerCategory": order.category,
        "priority": order.priority,
        "totalPrice": total_price,
    }


def _item_values(item: ProductOrderItem) -> dict[str, Any]:
    return item.product.characteristic_values() if item.product else {}


def _enrich_item(
    rule: OrderRule, item: ProductOrderItem, fields: dict[str, Any], catalog: CatalogVersion
) -> dict[str, Any]:
    """The characteristics the rule adds to the item (mutating nothing)."""
    offering_id = item.product_offering.id if item.product_offering else None
    offering = catalog.offering(offering_id) if offering_id else None
    spec = catalog.product_spec(offering.product_specification or "") if offering else None
    if spec is None:
        return {}
    given = _item_values(item)
    if not matches(rule, rule_values(fields, offering_id, item.action.value, given)):
        return {}
    wanted = dict(rule.set_characteristics)
    if rule.lookup is not None:
        wanted.update(lookup_values(rule.lookup, given))
    return {
        name: value
        for name, value in wanted.items()
        if spec.characteristic(name) is not None and given.get(name) is None
    }


def enrich_order(
    order: Order, catalog: CatalogVersion, total_price: float | None = None
) -> tuple[Order, list[Enrichment]]:
    """The order with the catalog's enrichment rules applied, and what each rule set."""
    rules = [r for r in catalog.rules if r.kind == RuleKind.ENRICH]
    if not rules:
        return order, []
    enriched = order.model_copy(deep=True)
    done: list[Enrichment] = []
    for rule in rules:  # in catalog order: a later rule reads what an earlier one set
        fields = order_fields(enriched, total_price)
        if rule.set_priority is not None and enriched.priority is None:
            if any(
                matches(rule, rule_values(fields, _offering(i), i.action.value, _item_values(i)))
                for i in enriched.all_items()
            ):
                enriched.priority = rule.set_priority
                done.append(
                    Enrichment(rule=rule.id, item_id=None, values={"priority": rule.set_priority})
                )
        for item in enriched.all_items():
            added = _enrich_item(rule, item, fields, catalog)
            if added and item.product is not None:
                item.product.product_characteristic.extend(
                    Characteristic(name=name, value=value) for name, value in added.items()
                )
                done.append(Enrichment(rule=rule.id, item_id=item.id, values=added))
    enriched.note = [*enriched.note, *(e.note() for e in done)]
    return enriched, done


def _offering(item: ProductOrderItem) -> str | None:
    return item.product_offering.id if item.product_offering else None


def approvals_needed(
    order: ProductOrderCreate, catalog: CatalogVersion, total_price: float | None = None
) -> list[tuple[str, str]]:
    """(rule id, reason) of the catalog's approval rules the order matches."""
    items = [(_offering(i), i.action.value, _item_values(i)) for i in order.all_items()]
    return approval_reasons(catalog.rules, items, order_fields(order, total_price))


def total_amount(prices: list[OrderPrice]) -> float | None:
    """What `totalPrice` reads: the order's total prices (one-time and recurring) added up, tax
    included; None when the order has no price."""
    amounts = [
        p.price.tax_included_amount.value
        for p in prices
        if p.price is not None and p.price.tax_included_amount is not None
    ]
    return sum(amounts) if amounts else None


# -- an amendment: enrichment again, on the amended characteristics ------------------------------

_ITEM_NOTE = "Enriched item "


def _written_by(rule: OrderRule) -> set[str]:
    names = set(rule.set_characteristics)
    if rule.lookup is not None:
        for values in rule.lookup.table.values():
            names |= set(values)
    return names


def enriched_names(order: ProductOrderCreate, catalog: CatalogVersion) -> dict[str, set[str]]:
    """Item id -> the characteristics the catalog's rules set on it, read from the order's
    notes (author `rule:<id>`, as `Enrichment.note` writes them)."""
    writes = {r.id: _written_by(r) for r in catalog.rules if r.kind == RuleKind.ENRICH}
    found: dict[str, set[str]] = {}
    for note in order.note:
        rule = (note.author or "").removeprefix("rule:")
        head, _, shown = note.text.partition(": ")
        if rule not in writes or not head.startswith(_ITEM_NOTE):
            continue
        names = {part.split("=", 1)[0] for part in shown.split(", ") if "=" in part}
        found.setdefault(head.removeprefix(_ITEM_NOTE), set()).update(names & writes[rule])
    return found


def _request(item: ProductOrderItem) -> dict[str, Any]:
    fields = set(SERVER_ITEM_FIELDS)
    return item.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=fields)


def reenrich_patch(
    stored: ProductOrderCreate,
    amended: ProductOrderCreate,
    patch: dict[str, Any],
    catalog: CatalogVersion,
) -> dict[str, Any]:
    """The amendment's patch with enrichment run again on the amended order: a value a rule
    set, and that the amendment left as it was, is derived anew from the amended
    characteristics (a new postcode, a new exchange); a value the client changed is the
    client's. The patch as it was when enrichment derives the same."""
    enriched = enriched_names(stored, catalog)
    before = {item.id: _item_values(item) for item in stored.all_items()}
    stripped = amended.model_copy(deep=True)
    for item in stripped.all_items():
        names, old = enriched.get(item.id, set()), before.get(item.id, {})
        if item.product is not None and names:
            item.product.product_characteristic = [
                c
                for c in item.product.product_characteristic
                if not (c.name in names and old.get(c.name) == c.value)
            ]
    stripped.note = [
        n
        for n in stripped.note
        if not ((n.author or "").startswith("rule:") and n.text.startswith(_ITEM_NOTE))
    ]
    redone, _ = enrich_order(stripped, catalog)
    items = [_request(i) for i in redone.product_order_item]
    if items == [_request(i) for i in amended.product_order_item]:
        return patch
    notes = [n.model_dump(mode="json", by_alias=True, exclude_none=True) for n in redone.note]
    return {**patch, "productOrderItem": items, "note": notes}
