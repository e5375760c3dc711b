from __future__ import annotations

from sample_orders import PORT_IN, VALID, item, order

from decomposition.catalog import CatalogVersion
from decomposition.pricing import price_order
from tmf.common import OrderPrice


def _by_type(prices: list[OrderPrice]) -> dict[str, OrderPrice]:
    return {p.price_type or "": p for p in prices}


def _amount(price: OrderPrice) -> float:
    assert price.price is not None and price.price.tax_included_amount is not None
    return price.price.tax_included_amount.value


def test_bundle_discount_applies_to_the_recurring_charges(catalog: CatalogVersion) -> None:
    pricing = price_order(
        order(item("3", "triple-play", VALID["triple-play"]), channel="retail"), catalog
    )
    prices = _by_type(pricing.item_price["3"])
    # Fiber 100 (29.99) + IPTV basic (9.99) + one box (3.00) + mobile 50 GB (19.99) = 62.97
    recurring = prices["recurring"]
    assert recurring.recurring_charge_period == "month"
    [discount] = recurring.price_alteration or []
    assert discount.name == "Triple play bundle discount" and discount.price.percentage == 20
    assert discount.price.tax_included_amount is not None
    assert discount.price.tax_included_amount.value == -12.59
    assert _amount(recurring) == 50.38
    # Installation (49.00) and SIM fee (10.00), no online discount in a shop.
    assert _amount(prices["oneTime"]) == 59.00 and prices["oneTime"].price_alteration is None


def test_online_only_discounts_need_an_online_channel(catalog: CatalogVersion) -> None:
    fiber = item("1", "fiber-broadband", VALID["fiber-broadband"])
    online = _by_type(price_order(order(fiber, channel="app"), catalog).item_price["1"])
    shop = _by_type(price_order(order(fiber, channel="retail"), catalog).item_price["1"])
    assert _amount(online["oneTime"]) == 0.0 and _amount(shop["oneTime"]) == 49.0
    assert _amount(online["recurring"]) == _amount(shop["recurring"]) == 39.99


def test_order_total_sums_items_and_quantities(catalog: CatalogVersion) -> None:
    o = order(
        item("1", "handset-nova-x5", {**VALID["handset-nova-x5"], "storageGb": 256}, quantity=2),
        item(
            "2", "mobile-postpaid", {**VALID["mobile-postpaid"], **PORT_IN, "dataAllowanceGb": 200}
        ),
        channel="web",
    )
    pricing = price_order(o, catalog)
    handsets = _by_type(pricing.item_price["1"])["oneTime"]
    assert _amount(handsets) == 1328.10  # 2 x 699.00, 5% off online
    assert (handsets.price_alteration or [])[0].price.tax_included_amount.value == -69.90  # type: ignore[union-attr]
    total = _by_type(pricing.order_total_price)
    assert _amount(total["oneTime"]) == 1328.10  # the SIM fee is waived online
    assert _amount(total["recurring"]) == 29.99
    names = [a.name for a in total["oneTime"].price_alteration or []]
    assert names == ["Online-only handset discount", "No SIM fee online"]


def test_sdwan_is_priced_per_site(catalog: CatalogVersion) -> None:
    o = order(
        item("1", "sdwan-enterprise", {"siteCount": 4, "bandwidthMbps": 1000}), channel="partner"
    )
    prices = _by_type(price_order(o, catalog).item_price["1"])
    assert _amount(prices["oneTime"]) == 1400.00
    assert _amount(prices["recurring"]) == 1396.00


def test_invalid_orders_are_not_priced(catalog: CatalogVersion) -> None:
    pricing = price_order(order(item("1", "nope")), catalog)
    assert pricing.item_price == {} and pricing.problems[0].code == "UnknownOffering"
