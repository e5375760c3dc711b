"""Duplicate orders, pure: a new order matching an open order of the same customer under one of
the catalog's `duplicate` rules (same offering, same key characteristics such as the
installation address, ordered within the rule's window), held for review or refused as the
rule says. Not idempotency: a replay (same
Idempotency-Key) is answered with the first order before this is asked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from decomposition.catalog import CatalogVersion
from decomposition.enrichment import order_fields
from decomposition.rules import DuplicateEffect, OrderRule, RuleKind, matches, rule_values
from tmf.product_order import ProductOrder, ProductOrderCreate, ProductOrderItem


class SuspectedDuplicate(BaseModel):
    rule: str
    description: str
    item_id: str
    duplicates_order: str
    duplicates_item: str
    hold: bool = True  # held for review; False: refused

    def reason(self) -> str:
        return (
            f"Item {self.item_id} duplicates item {self.duplicates_item} of open order "
            f"{self.duplicates_order} (rule {self.rule})"
        )


def _key(rule: OrderRule, item: ProductOrderItem) -> tuple[Any, ...] | None:
    """What two items share when one duplicates the other; None if a key value is missing."""
    if item.action.value != "add" or item.product_offering is None:
        return None
    values = item.product.characteristic_values() if item.product else {}
    keys = [values.get(name) for name in rule.match_characteristics]
    if any(value is None for value in keys):
        return None
    return (item.product_offering.id, *(str(value).strip().lower() for value in keys))


def find_duplicate(
    order: ProductOrderCreate,
    catalog: CatalogVersion,
    open_orders: Sequence[ProductOrder],
    now: datetime,
) -> SuspectedDuplicate | None:
    """The first open order (of the same customer, the caller's selection, in its order) this
    one duplicates."""
    fields = order_fields(order)
    customer = order.customer_id()
    for rule in (r for r in catalog.rules if r.kind == RuleKind.DUPLICATE):
        since = now - timedelta(hours=rule.window_hours)
        for item in order.all_items():
            key = _key(rule, item)
            values = item.product.characteristic_values() if item.product else {}
            offering = item.product_offering.id if item.product_offering else None
            if key is None or not matches(rule, rule_values(fields, offering, "add", values)):
                continue
            for other in open_orders:
                if other.customer_id() != customer:
                    continue
                if other.state.is_final or (other.order_date and other.order_date < since):
                    continue
                hit = next((o for o in other.all_items() if _key(rule, o) == key), None)
                if hit is not None:
                    return SuspectedDuplicate(
                        rule=rule.id,
                        description=rule.description,
                        item_id=item.id,
                        duplicates_order=other.id,
                        duplicates_item=hit.id,
                        hold=rule.on_duplicate == DuplicateEffect.HOLD,
                    )
    return None
