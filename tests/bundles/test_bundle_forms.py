"""A triple play ordered as channels send bundles: flattened, nested items, or `bundles`
relationships. The three give the same plan, prices and inventory; nested and related child
items keep their own id, characteristics, price and state."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.bundle_forms import FORMS, items
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import order_body

PREVIEW = "/ops/v1/plan-preview"
INVENTORY = "/tmf-api/productInventory/v4/product"
CHILDREN = {"1.1": "fiber-broadband", "1.2": "iptv", "1.3": "mobile-postpaid"}


def _all_items(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = list(order["productOrderItem"])
    while stack:
        item = stack.pop()
        found[item["id"]] = item
        stack.extend(item.get("productOrderItem", []))
    return found


def _totals(prices: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return [(p["priceType"], p["price"]["taxIncludedAmount"]["value"]) for p in prices]


async def test_the_three_forms_preview_the_same_plan_and_prices(http: httpx.AsyncClient) -> None:
    previews = {}
    for form in FORMS:
        response = await http.post(PREVIEW, json=order_body(items(form)))
        assert response.status_code == 200, (form, response.text)
        previews[form] = response.json()

    def plan(preview: dict[str, Any]) -> list[tuple[str, list[str], str | None]]:
        return sorted(
            (t["id"], sorted(t["dependsOn"]), t.get("activity")) for t in preview["tasks"]
        )

    flattened = previews["flattened"]
    assert len(flattened["tasks"]) > 20
    for form in ("nested", "related"):
        assert plan(previews[form]) == plan(flattened), form
        assert previews[form]["orderTotalPrice"] == flattened["orderTotalPrice"], form
        assert previews[form]["itemPrice"]["1"] == flattened["itemPrice"]["1"], form
        # Each child is priced too, with the bundle's 20% off its monthly fee.
        iptv = previews[form]["itemPrice"]["1.2"]
        assert _totals(iptv) == [("recurring", round(25.99 * 0.8, 2))]
        assert iptv[0]["priceAlteration"][0]["name"] == "Triple play bundle discount"
        # The domain orders of each child name the child item.
        items_of = {d["itemId"] for d in previews[form]["domainOrders"]}
        assert items_of == {"1", *CHILDREN}


async def _completed(http: httpx.AsyncClient, form: str) -> tuple[str, dict[str, Any]]:
    customer = f"bundle-{form}-{uuid.uuid4().hex[:6]}"
    created = await http.post(ORDERS, json=order_body(items(form), customer=customer))
    assert created.status_code == 201, created.text
    order = await wait_for_state(http, created.json()["id"], timeout=120)
    assert order["state"] == "completed", (form, order.get("errorMessage"))
    return customer, order


async def test_the_three_forms_complete_with_the_same_inventory(
    http: httpx.AsyncClient, workforce: None
) -> None:
    results = dict(
        zip(FORMS, await asyncio.gather(*(_completed(http, f) for f in FORMS)), strict=True)
    )
    owned: dict[str, list[tuple[str, str]]] = {}
    for form, (customer, order) in results.items():
        assert _totals(order["orderTotalPrice"]) == _totals(
            results["flattened"][1]["orderTotalPrice"]
        )
        products = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
        by_offering = {p["productOffering"]["id"]: p for p in products}
        assert sorted(by_offering) == ["fiber-broadband", "iptv", "mobile-postpaid", "triple-play"]
        bundle = by_offering["triple-play"]
        # The bundle at what the order charged; each component at its share, discount included.
        assert _totals(bundle["productPrice"]) == _totals(order["orderTotalPrice"]), form
        assert _totals(by_offering["iptv"]["productPrice"]) == [
            ("recurring", round(25.99 * 0.8, 2))
        ], form
        for offering in ("fiber-broadband", "iptv", "mobile-postpaid"):
            child = by_offering[offering]
            assert child["productPrice"], (form, offering)
            assert {"relationshipType": "bundled", "product": bundle["id"]} in [
                {"relationshipType": r["relationshipType"], "product": r["product"]["id"]}
                for r in child["productRelationship"]
            ], form
            assert {"relationshipType": "bundles", "product": child["id"]} in [
                {"relationshipType": r["relationshipType"], "product": r["product"]["id"]}
                for r in bundle["productRelationship"]
            ], form
        owned[form] = sorted(
            (p["productOffering"]["id"], p["productOrderItem"][0]["orderItemId"]) for p in products
        )
        if form == "flattened":
            continue
        # The child items kept their ids, values, prices and states.
        every = _all_items(order)
        for child_id, offering in CHILDREN.items():
            child = every[child_id]
            assert child["state"] == "completed"
            assert child["itemPrice"], child_id
            assert child["domainOrder"], child_id
            assert child["productOffering"]["id"] == offering
            assert (offering, child_id) in owned[form]
        iptv = {c["name"]: c["value"] for c in every["1.2"]["product"]["productCharacteristic"]}
        assert iptv["package"] == "premium"
    # The same products, whichever the form (the order item each came from aside).
    assert {f: [o for o, _ in found] for f, found in owned.items()} == {
        f: [o for o, _ in owned["flattened"]] for f in owned
    }


async def test_validation_errors_name_the_child_item(http: httpx.AsyncClient) -> None:
    body = order_body(items("nested"))
    mobile = body["productOrderItem"][0]["productOrderItem"][2]
    mobile["product"]["productCharacteristic"] = [{"name": "simType", "value": "nano"}]
    extra = {"id": "1.4", "action": "add", "productOffering": {"id": "handset-nova-x5"}}
    body["productOrderItem"][0]["productOrderItem"].append(extra)
    response = await http.post(PREVIEW, json=body)
    assert response.status_code == 422, response.text
    problems: dict[str, str] = {}
    for problem in response.json()["problems"]:
        problems[problem["itemId"]] = problems.get(problem["itemId"], "") + problem["reason"]
    assert "simType" in problems["1.3"] and "item '1.3'" in problems["1.3"]
    assert "not part of bundle" in problems["1.4"]


async def test_a_rejected_bundle_names_the_child_and_rejects_every_item(
    http: httpx.AsyncClient,
) -> None:
    body = order_body(items("nested"), customer=f"bundle-bad-{uuid.uuid4().hex[:6]}")
    body["productOrderItem"][0]["productOrderItem"][1]["productOffering"] = {
        "id": "handset-nova-x5"
    }
    created = await http.post(ORDERS, json=body)
    order = await wait_for_state(http, created.json()["id"], timeout=60)

    assert order["state"] == "rejected"
    assert {i["id"]: i["state"] for i in _all_items(order).values()} == {
        "1": "rejected",
        "1.1": "rejected",
        "1.2": "rejected",
        "1.3": "rejected",
    }
    assert any(e.get("productOrderItem") == ["1.2"] for e in order["errorMessage"])


async def test_a_child_item_of_quantity_two_gives_two_products_in_the_bundle(
    http: httpx.AsyncClient, workforce: None
) -> None:
    customer = f"bundle-qty-{uuid.uuid4().hex[:6]}"
    found = items("related")
    iptv = next(i for i in found if i["id"] == "1.2")
    iptv["quantity"] = 2
    created = await http.post(ORDERS, json=order_body(found, customer=customer))
    assert created.status_code == 201, created.text
    order = await wait_for_state(http, created.json()["id"], timeout=120)
    assert order["state"] == "completed", order.get("errorMessage")
    child = _all_items(order)["1.2"]
    assert len([d for d in child["domainOrder"] if d["domain"] == "product"]) == 2

    products = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
    tv = [p for p in products if p["productOffering"]["id"] == "iptv"]
    [bundle] = [p for p in products if p["productOffering"]["id"] == "triple-play"]
    assert len(tv) == 2
    bundled = {r["product"]["id"] for r in bundle["productRelationship"]}
    assert {p["id"] for p in tv} <= bundled
    assert all(p["productOrderItem"][0]["orderItemId"] == "1.2" for p in tv)
