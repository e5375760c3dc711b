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


def refuse_oversized_order(order: ProductOrderCreate) -> None:
    refuse_too_many_items(order)
    refuse_oversized_characteristics(order)
