"""Returns at capture: the policy's window and remedies, by customer segment (the order's
`category`), checked before anything is stored; and the replacement a shipped-ahead remedy
(exchange, replacement) takes from stock named on the item, so acceptance reserves it.

The decisions are pure (decomposition/returns.py); this module reads the inventory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.errors import TmfError
from decomposition.catalog import ProductOffering
from decomposition.returns import SHIPPED_AHEAD, remedy_of, remedy_refusal, return_refusal
from store.catalogs import catalog_version
from store.inventory import get_product
from tmf.product_inventory import Product
from tmf.product_order import ItemAction, ProductOrderCreate, ProductOrderItem


def _returns(order: ProductOrderCreate) -> list[tuple[ProductOrderItem, Product, ProductOffering]]:
    """The order's delete items on products of an offering the catalog knows."""
    catalog = catalog_version()
    found = []
    for item in order.product_order_item:
        if item.action != ItemAction.DELETE or item.product is None or not item.product.id:
            continue
        product = get_product(item.product.id)
        offering_id = product.product_offering.id if product and product.product_offering else None
        offering = catalog.offering(offering_id) if offering_id else None
        if product is not None and offering is not None:
            found.append((item, product, offering))  # the workflow rejects the rest, as before
    return found


def checked_returns(order: ProductOrderCreate) -> ProductOrderCreate:
    """The order, its returns checked against their policies (422 with the policy's reason),
    each shipped-ahead return naming its offering and the model its replacement takes."""
    now = datetime.now(UTC)
    closed: list[str] = []
    refused: list[str] = []
    ahead: dict[str, tuple[Product, ProductOffering]] = {}
    for item, product, offering in _returns(order):
        given = item.product.characteristic_values() if item.product else {}
        remedy = remedy_of(given.get("returnType"))
        if reason := return_refusal(offering, product.start_date, now, order.category):
            closed.append(reason)
        elif reason := remedy_refusal(offering, order.category, remedy):
            refused.append(reason)
        elif remedy in SHIPPED_AHEAD:
            ahead[item.id] = (product, offering)
    if closed:
        raise TmfError(422, "ReturnWindowClosed", closed[0], "; ".join(closed))
    if refused:
        raise TmfError(422, "ReturnNotOffered", refused[0], "; ".join(refused))
    if not ahead:
        return order
    body = order.model_dump(by_alias=True, exclude_none=True, mode="json")
    for item_body in body["productOrderItem"]:
        if item_body["id"] in ahead:
            _name_replacement(item_body, *ahead[item_body["id"]])
    return ProductOrderCreate.model_validate(body)


def _name_replacement(item: dict[str, Any], product: Product, offering: ProductOffering) -> None:
    """The item names its offering, and the model of its replacement (the returned one's,
    unless the customer chose another): stock reserves that unit at acceptance."""
    item.setdefault("productOffering", {"id": offering.id})
    chars = item.setdefault("product", {}).setdefault("productCharacteristic", [])
    model = product.characteristic_values().get("model")
    if model is not None and not any(c.get("name") == "model" for c in chars):
        chars.append({"name": "model", "value": model})
