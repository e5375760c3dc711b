"""A bundle child item's own quantity: that many of the child in the plan, the price and (one
product per unit) inventory, in the nested and the `bundles` relationship forms alike."""

from __future__ import annotations

from typing import Any

import pytest

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from decomposition.pricing import price_order
from tests.bundle_forms import items
from tests.sample_orders import order_body
from tmf.product_order import ProductOrderCreate


def _order(form: str, iptv_quantity: int) -> ProductOrderCreate:
    found = items(form)
    children = found[0]["productOrderItem"] if form == "nested" else found[1:]
    iptv = next(c for c in children if c["productOffering"]["id"] == "iptv")
    iptv["quantity"] = iptv_quantity
    return ProductOrderCreate.model_validate(order_body(found))


def _recurring(prices: dict[str, Any], item_id: str) -> float:
    return next(
        p.price.tax_included_amount.value for p in prices[item_id] if p.price_type == "recurring"
    )


@pytest.mark.parametrize("form", ["nested", "related"])
def test_a_child_of_quantity_two_is_planned_priced_and_related_twice(
    form: str, catalog: CatalogVersion
) -> None:
    one, two = _order(form, 1), _order(form, 2)
    plan_one, plan_two = decompose(one, catalog).plan, decompose(two, catalog).plan
    assert plan_one is not None and plan_two is not None

    def products(plan: Any, item_id: str) -> list[str]:
        return [
            d.id for d in plan.domain_orders if d.domain.value == "product" and d.item_id == item_id
        ]

    assert products(plan_one, "1.2") == ["product-iptv-1/iptv"]
    assert products(plan_two, "1.2") == ["product-iptv-1/iptv#1", "product-iptv-1/iptv#2"]
    # The other children are as before.
    assert products(plan_two, "1.3") == products(plan_one, "1.3")
    # Each IPTV unit relies on the bundle's broadband, as the single one does.
    relied = {t.id: t.depends_on for t in plan_two.tasks}
    for unit in ("iptv#1", "iptv#2"):
        activate = next(
            t for t in plan_two.tasks if f"/{unit}" in t.product_key and "activate" in t.id
        )
        assert any("broadband" in d for d in relied[activate.id]), activate.id

    price_one, price_two = price_order(one, catalog), price_order(two, catalog)
    child_one = _recurring(price_one.item_price, "1.2")
    assert _recurring(price_two.item_price, "1.2") == pytest.approx(2 * child_one)
    assert _recurring(price_two.item_price, "1") == pytest.approx(
        _recurring(price_one.item_price, "1") + child_one
    )
