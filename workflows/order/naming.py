"""How an order and its domain orders are named in Temporal: ids, and the memo the UI shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type here: the sandbox imports this module before the workflow's
    from tmf.product_order import ProductOrder


def workflow_id_for(order_id: str) -> str:
    return f"order-{order_id}"


def child_workflow_id(order_id: str, domain_order_id: str) -> str:
    return f"{workflow_id_for(order_id)}/{domain_order_id}"


def order_memo(order: ProductOrder) -> dict[str, object]:
    """What the Temporal UI shows about an order at a glance."""
    offerings = sorted(
        {
            i.product_offering.name or i.product_offering.id
            for i in order.product_order_item
            if i.product_offering
        }
    )
    customer = order.customer_id() or "unknown customer"
    return {
        "summary": f"{len(order.product_order_item)} item(s) for {customer}",
        "externalId": order.external_id or "",
        "offerings": offerings,
        "href": order.href,
    }
