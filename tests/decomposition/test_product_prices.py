"""Every product an order creates carries its price for inventory (issue 26, item 4): one unit of
a quantity above one, a bundle and each of its components; suspensions and resumptions are
priced at the recurring charges they stop and start again."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sample_orders import VALID, item, order, owned

from decomposition.catalog import CatalogVersion
from decomposition.pricing import price_order
from tests.bundle_forms import items as bundle_items
from tmf.common import OrderPrice
from tmf.product_inventory import Product
from tmf.product_order import ProductOrderCreate

FIBER_FEES = {100: 29.99, 500: 39.99, 1000: 49.99}
# Units of a bundle are bundles: `1#n` is each unit's bundle, its components `1#n/<key>`.
SINGLE = ["fiber-broadband", "dsl-broadband", "mobile-postpaid", "handset-nova-x5", "triple-play"]


def _by_type(prices: list[OrderPrice]) -> dict[str, float]:
    found: dict[str, float] = {}
    for p in prices:
        assert p.price is not None and p.price.tax_included_amount is not None
        found[p.price_type or ""] = p.price.tax_included_amount.value
    return found


def _close(found: dict[str, float], expected: dict[str, float], cents: int) -> bool:
    return found.keys() == expected.keys() and all(
        abs(found[kind] - expected[kind]) <= 0.01 * cents + 1e-9 for kind in found
    )


def _sum(*prices: dict[str, float]) -> dict[str, float]:
    total: dict[str, float] = {}
    for found in prices:
        for kind, amount in found.items():
            total[kind] = round(total.get(kind, 0.0) + amount, 2)
    return total


@settings(max_examples=40, deadline=None)
@given(
    offering=st.sampled_from(SINGLE),
    quantity=st.integers(min_value=2, max_value=5),
    channel=st.sampled_from(["web", "retail"]),
)
def test_each_unit_of_several_is_priced_and_the_units_make_the_item(
    catalog: CatalogVersion, offering: str, quantity: int, channel: str
) -> None:
    several = item("1", offering, VALID[offering], quantity=quantity)

    pricing = price_order(order(several, channel=channel), catalog)

    assert pricing.problems == []
    units = [_by_type(pricing.product_price[f"1#{n}"]) for n in range(1, quantity + 1)]
    assert units[0] and all(unit == units[0] for unit in units)
    # Each unit is rounded to the cent on its own (a 20% bundle discount on 25.99 leaves a
    # fraction), so the units make the item's price to a cent per unit.
    assert _close(_sum(*units), _by_type(pricing.item_price["1"]), cents=quantity)
    alone = price_order(order(item("1", offering, VALID[offering]), channel=channel), catalog)
    assert units[0] == _by_type(alone.product_price["1"])  # a unit costs what one item costs


def test_a_bundle_and_each_component_are_priced_in_every_form(catalog: CatalogVersion) -> None:
    priced = {
        form: price_order(ProductOrderCreate.model_validate(order_body(form)), catalog)
        for form in ("flattened", "nested", "related")
    }
    flat = priced["flattened"].product_price
    components = {key: _by_type(flat[key]) for key in ("1/broadband", "1/iptv", "1/mobile")}
    # Each component at its own charges with the bundle's 20% off the monthly fee...
    assert components["1/broadband"]["recurring"] == round(FIBER_FEES[500] * 0.8, 2)
    assert components["1/iptv"] == {"recurring": round(25.99 * 0.8, 2)}
    # ... and the bundle at their sum (each rounded on its own): its price, not an extra charge.
    assert _close(_sum(*components.values()), _by_type(flat["1"]), cents=len(components))
    assert _by_type(flat["1"]) == _by_type(priced["flattened"].item_price["1"])
    for form in ("nested", "related"):
        assert priced[form].product_price.keys() == flat.keys(), form
        for key, prices in flat.items():
            assert _by_type(priced[form].product_price[key]) == _by_type(prices), (form, key)
        # A child item's itemPrice is its component's price.
        assert _by_type(priced[form].item_price["1.2"]) == components["1/iptv"], form


def order_body(form: str) -> dict[str, Any]:
    return {
        "channel": [{"id": "web", "name": "web"}],
        "relatedParty": [{"id": "c-1", "role": "customer", "@referredType": "Individual"}],
        "productOrderItem": bundle_items(form),
    }


def _fiber(speed: int, **extra: Any) -> Product:
    chars = {**VALID["fiber-broadband"], "technology": "fiber", "downloadSpeed": speed}
    return owned("p-1", "fiber-broadband", "broadband", chars, **extra)


@settings(max_examples=20, deadline=None)
@given(speed=st.sampled_from(sorted(FIBER_FEES)), channel=st.sampled_from(["web", "retail"]))
def test_a_suspension_stops_the_monthly_fee_and_a_resumption_starts_it_again(
    catalog: CatalogVersion, speed: int, channel: str
) -> None:
    suspend = item("1", None, action="suspend", product_id="p-1")
    resume = item("1", None, action="resume", product_id="p-1")

    paused = price_order(order(suspend, channel=channel), catalog, [_fiber(speed)])
    back = price_order(order(resume, channel=channel), catalog, [_fiber(speed, status="suspended")])

    assert paused.problems == back.problems == []
    assert _by_type(paused.item_price["1"]) == {"recurring": -FIBER_FEES[speed]}
    assert _by_type(back.item_price["1"]) == {"recurring": FIBER_FEES[speed]}
    assert _by_type(paused.order_total_price) == {"recurring": -FIBER_FEES[speed]}
    # No suspension fee in the catalog; inventory keeps the product's price as it was.
    assert "1" not in paused.product_price and "1" not in back.product_price


def test_a_suspension_stops_what_inventory_recorded(catalog: CatalogVersion) -> None:
    recorded = [
        {
            "name": "Recurring charges",
            "priceType": "recurring",
            "recurringChargePeriod": "month",
            "price": {"taxIncludedAmount": {"unit": "EUR", "value": 31.99}},
        }
    ]
    product = Product.model_validate({**_fiber(500).to_tmf(), "productPrice": recorded})
    suspend = item("1", None, action="suspend", product_id="p-1")

    paused = price_order(order(suspend), catalog, [product])

    assert _by_type(paused.item_price["1"]) == {"recurring": -31.99}


def test_a_component_of_a_bundle_keeps_the_bundle_discount_when_changed(
    catalog: CatalogVersion,
) -> None:
    bundle = owned("b-1", "triple-play", "triple-play", {})
    bundled = {"relationshipType": "bundled", "product": {"id": "b-1"}}
    broadband = Product.model_validate({**_fiber(500).to_tmf(), "productRelationship": [bundled]})
    faster = item("1", None, {"downloadSpeed": 1000}, action="modify", product_id="p-1")

    pricing = price_order(order(faster), catalog, [bundle, broadband])

    assert pricing.problems == []
    assert _by_type(pricing.item_price["1"]) == {"recurring": round(10.0 * 0.8, 2)}
    assert _by_type(pricing.product_price["1"])["recurring"] == round(FIBER_FEES[1000] * 0.8, 2)
