"""Staggered information (TMF622 `informationRequired`): characteristics an item's decomposition
waits for, asked for in an event and planned once supplied. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from decomposition.plan import Plan
from tmf.events import EventType
from tmf.product_order import ProductOrder
from workflows.messages import ProvideInformation
from workflows.order import items

if TYPE_CHECKING:
    from workflows.order.book import OrderBook


def with_information(book: OrderBook, info: ProvideInformation) -> ProductOrder:
    """The order with the characteristics an item's decomposition waited for."""
    return items.with_characteristics(book.order, info.item_id, info.characteristics)


def add(
    book: OrderBook, info: ProvideInformation, informed: ProductOrder, plan: Plan, now: datetime
) -> None:
    """The deferred part is planned now: join it to the running plan."""
    book.order.product_order_item = informed.product_order_item
    book.plan.plan = plan
    book.plan.add_runs(now)
    book.plan_changed = True
    book.emit(
        now,
        EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
        f"Information supplied for item {info.item_id}",
        actor=info.provided_by,
        actor_role=info.actor_role,
        itemId=info.item_id,
        characteristics=sorted(info.characteristics),
    )
    book.refresh_items(now)
    ask_for_missing(book, now)


def ask_for_missing(book: OrderBook, now: datetime) -> None:
    """One event naming every characteristic the plan still waits for, if any."""
    missing = [
        {"itemId": d.item_id, "characteristics": d.missing}
        for d in book.plan.plan.deferred
        if d.missing
    ]
    if missing:
        book.emit(
            now,
            EventType.ORDER_INFORMATION_REQUIRED,
            "Information required to decompose the order",
            missing=missing,
        )
