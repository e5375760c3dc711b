"""A PATCH changes, removes or adds one child item of a nested bundle; the others run on."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from tests.amendments.test_amendments import MERGE_PATCH, _plan_until
from tests.bundle_forms import items
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import order_body

INVENTORY = "/tmf-api/productInventory/v4/product"
# IPTV waits for the broadband line, which waits for the technician: that far off.
LATER = timedelta(seconds=30)


def _children(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in order["productOrderItem"][0].get("productOrderItem", [])}


async def _patch(http: httpx.AsyncClient, order_id: str, children: list[dict[str, Any]]) -> Any:
    bundle = {
        "id": "1",
        "action": "add",
        "productOffering": {"id": "triple-play"},
        "productOrderItem": children,
    }
    response = await http.patch(
        f"{ORDERS}/{order_id}", json={"productOrderItem": [bundle]}, headers=MERGE_PATCH
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_patch_changes_removes_and_adds_one_child(
    http: httpx.AsyncClient, workforce: None
) -> None:
    customer = f"bundle-patch-{uuid.uuid4().hex[:6]}"
    body = order_body(items("nested"), customer=customer, start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":reserve-port", "completed")
    broadband, iptv, mobile = body["productOrderItem"][0]["productOrderItem"]

    # Change: the IPTV child's package.
    iptv["product"]["productCharacteristic"] = [
        {"name": "package", "value": "basic"} if c["name"] == "package" else c
        for c in iptv["product"]["productCharacteristic"]
    ]
    changed = await _patch(http, order_id, [broadband, iptv, mobile])
    assert changed["amendment"][-1]["changedItems"] == ["1.2"]
    child = _children(changed)["1.2"]
    assert {"name": "package", "value": "basic"} in child["product"]["productCharacteristic"]
    # The basic package (9.99) plus two boxes (2 x 3.00), 20% off.
    assert [p["price"]["taxIncludedAmount"]["value"] for p in child["itemPrice"]] == [12.79]

    # Remove: the IPTV child goes, its tasks with it; the rest of the bundle runs on.
    removed = await _patch(http, order_id, [broadband, mobile])
    assert removed["amendment"][-1]["changedItems"] == ["1.2"]
    assert sorted(_children(removed)) == ["1.1", "1.3"]
    assert any(":activate" in t for t in removed["amendment"][-1]["discarded"])

    # Add: IPTV again, as a new child item.
    again = {
        **iptv,
        "id": "1.4",
        "productOrderItemRelationship": [{"id": "1.1", "relationshipType": "reliesOn"}],
    }
    added = await _patch(http, order_id, [broadband, mobile, again])
    assert added["amendment"][-1]["addedItems"] == [] and added["amendment"][-1]["added"]

    done = await wait_for_state(http, order_id, timeout=120)
    assert done["state"] == "completed", done.get("errorMessage")
    assert {k: c["state"] for k, c in _children(done).items()} == {
        "1.1": "completed",
        "1.3": "completed",
        "1.4": "completed",
    }
    products = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
    tv = [p for p in products if p["productOffering"]["id"] == "iptv"]
    assert len(tv) == 1 and tv[0]["productOrderItem"][0]["orderItemId"] == "1.4"
    assert {"name": "package", "value": "basic"} in tv[0]["productCharacteristic"]


def _items(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every item, nested or not."""
    found: dict[str, dict[str, Any]] = {}
    stack = list(order["productOrderItem"])
    while stack:
        item = stack.pop()
        found[item["id"]] = item
        stack.extend(item.get("productOrderItem") or [])
    return found


async def _patch_related(
    http: httpx.AsyncClient, order_id: str, children: list[dict[str, Any]]
) -> Any:
    """The whole item list again, in the `bundles` relationship form."""
    bundle = {
        "id": "1",
        "action": "add",
        "productOffering": {"id": "triple-play"},
        "productOrderItemRelationship": [
            {"id": c["id"], "relationshipType": "bundles"} for c in children
        ],
    }
    response = await http.patch(
        f"{ORDERS}/{order_id}",
        json={"productOrderItem": [bundle, *children]},
        headers=MERGE_PATCH,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_patch_of_the_bundles_relationship_form_changes_removes_and_adds_one_child(
    http: httpx.AsyncClient, workforce: None
) -> None:
    customer = f"bundle-rel-{uuid.uuid4().hex[:6]}"
    body = order_body(items("related"), customer=customer, start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":reserve-port", "completed")
    _, broadband, iptv, mobile = body["productOrderItem"]

    iptv["product"]["productCharacteristic"] = [
        {"name": "package", "value": "basic"} if c["name"] == "package" else c
        for c in iptv["product"]["productCharacteristic"]
    ]
    changed = await _patch_related(http, order_id, [broadband, iptv, mobile])
    assert changed["amendment"][-1]["changedItems"] == ["1.2"]
    child = _items(changed)["1.2"]
    assert {"name": "package", "value": "basic"} in child["product"]["productCharacteristic"]
    assert [p["price"]["taxIncludedAmount"]["value"] for p in child["itemPrice"]] == [12.79]

    removed = await _patch_related(http, order_id, [broadband, mobile])
    # The child item goes (it is an item of its own in this form); its bundle is unchanged.
    amendment = removed["amendment"][-1]
    assert (amendment["removedItems"], amendment["changedItems"]) == (["1.2"], [])
    assert _items(removed)["1.2"]["state"] == "cancelled"
    assert any(":activate" in t for t in removed["amendment"][-1]["discarded"])

    again = {
        **iptv,
        "id": "1.4",
        "productOrderItemRelationship": [{"id": "1.1", "relationshipType": "reliesOn"}],
    }
    added = await _patch_related(http, order_id, [broadband, mobile, again])
    assert added["amendment"][-1]["added"]

    done = await wait_for_state(http, order_id, timeout=120)
    assert done["state"] == "completed", done.get("errorMessage")
    states = {k: i["state"] for k, i in _items(done).items() if k != "1"}
    assert {k: s for k, s in states.items() if s != "cancelled"} == {
        "1.1": "completed",
        "1.3": "completed",
        "1.4": "completed",
    }
    products = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
    tv = [p for p in products if p["productOffering"]["id"] == "iptv"]
    assert len(tv) == 1 and tv[0]["productOrderItem"][0]["orderItemId"] == "1.4"
