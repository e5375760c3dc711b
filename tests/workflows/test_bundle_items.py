"""Which items an amendment affects when a bundle's nested children change (pure)."""

from __future__ import annotations

from tests.bundle_forms import items
from tmf.product_order import ProductOrderItem
from workflows.bundle_items import affected_items


def _items(raw: list[dict]) -> list[ProductOrderItem]:
    return [ProductOrderItem.model_validate(i) for i in raw]


def test_only_the_changed_or_removed_children_are_affected() -> None:
    before = items("nested")
    # What GET shows (server fields) does not count as a change.
    before[0]["state"] = "inProgress"
    before[0]["productOrderItem"][2]["state"] = "completed"
    after = items("nested")
    iptv = after[0]["productOrderItem"][1]
    iptv["product"]["productCharacteristic"][1] = {"name": "package", "value": "basic"}
    assert affected_items(_items(before), _items(after), set()) == ["1.2"]

    del after[0]["productOrderItem"][2]  # the mobile child goes too
    assert affected_items(_items(before), _items(after), set()) == ["1.2", "1.3"]


def test_a_change_of_the_bundle_item_itself_affects_the_whole_bundle() -> None:
    before, after = items("nested"), items("nested")
    after[0]["quantity"] = 2
    assert affected_items(_items(before), _items(after), set()) == ["1"]


def test_flat_items_are_compared_as_before() -> None:
    before, after = items("related"), items("related")
    after[3]["product"]["productCharacteristic"][0]["value"] = "esim"
    assert affected_items(_items(before), _items(after), set()) == ["1.3"]
    assert affected_items(_items(before), _items(after), {"1.3"}) == []
