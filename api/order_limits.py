"""The limits one order obeys at the API (POST, PATCH and plan-preview alike)."""

from __future__ import annotations

from api.errors import TmfError
from api.json_limits import json_size
from config.settings import get_settings
from tmf.product_order import ProductOrderCreate


def refuse_too_many_items(order: ProductOrderCreate) -> None:
    limit = get_settings().order_max_items
    if len(order.product_order_item) > limit:
        raise TmfError(
            422,
            "TooManyItems",
            f"An order holds at most {limit} items; this one has {len(order.product_order_item)}",
            "Split it into several orders (ORDER_MAX_ITEMS sets the limit)",
        )


def refuse_oversized_characteristics(order: ProductOrderCreate) -> None:
    """A characteristic's value is copied into the plan, once per task that uses it: a value of
    700 KB made a plan past Temporal's 2 MB payload limit, and the order never progressed."""
    limit = get_settings().characteristic_max_bytes
    for index, item in enumerate(order.product_order_item):
        for characteristic in item.product.product_characteristic if item.product else []:
            if json_size(characteristic.value) > limit:
                raise TmfError(
                    422,
                    "CharacteristicTooLarge",
                    f"productOrderItem[{index}] characteristic '{characteristic.name[:100]}' "
                    f"is larger than {limit} bytes",
                    "CHARACTERISTIC_MAX_BYTES sets the limit",
                )


# Identifiers end up in store columns and in ids built from them (task ids, domain order and
# workflow ids, fallout cases): longer ones failed at an insert, after the 201, on PostgreSQL.
MAX_ITEM_ID = 100
MAX_PARTY_ID = 200
MAX_CHANNEL = 100


def _overlong(order: ProductOrderCreate) -> str | None:
    for index, item in enumerate(order.product_order_item):
        ids = [item.id, *(r.id for r in item.product_order_item_relationship)]
        if any(len(i) > MAX_ITEM_ID for i in ids):
            return f"productOrderItem[{index}]: item ids hold at most {MAX_ITEM_ID} characters"
    for index, party in enumerate(order.related_party):
        if len(party.id) > MAX_PARTY_ID:
            return f"relatedParty[{index}].id holds at most {MAX_PARTY_ID} characters"
    if len(order.channel_name() or "") > MAX_CHANNEL:
        return f"channel[0] (its name or id) holds at most {MAX_CHANNEL} characters"
    return None


def refuse_overlong_identifiers(order: ProductOrderCreate) -> None:
    problem = _overlong(order)
    if problem is not None:
        raise TmfError(422, "InvalidBody", problem)


def refuse_oversized_order(order: ProductOrderCreate) -> None:
    refuse_too_many_items(order)
    refuse_oversized_characteristics(order)
    refuse_overlong_identifiers(order)
