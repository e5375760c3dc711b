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
from tmf.common import Characteristic, Note
from tmf.product_order import ProductOrderCreate, ProductOrderItem

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
