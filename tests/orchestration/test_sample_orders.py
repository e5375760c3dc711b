"""Each sample offering's order completes end to end through the API, with correct inventory."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import SAMPLE_ITEMS, sample_order

INVENTORY = "/tmf-api/productInventory/v4/product"
PERSONAL_DATA = {"portingPin", "dateOfBirth"}


async def _complete(http: httpx.AsyncClient, offering: str) -> tuple[str, dict]:
    customer = f"e2e-{offering}-{uuid.uuid4().hex[:6]}"
    created = await http.post(ORDERS, json=sample_order(offering, customer=customer))
    assert created.status_code == 201, created.text
    return customer, await wait_for_state(http, created.json()["id"], timeout=90)


async def test_every_sample_offering_completes_with_inventory(
    http: httpx.AsyncClient, workforce: None
) -> None:
    offerings = sorted(SAMPLE_ITEMS)
    results = await asyncio.gather(*(_complete(http, o) for o in offerings))

    for offering, (customer, order) in zip(offerings, results, strict=True):
        assert order["state"] == "completed", (offering, order.get("errorMessage"))
        assert order["completionDate"] >= order["orderDate"]
        for item in order["productOrderItem"]:
            assert item["state"] == "completed"
            assert item["domainOrder"], f"{offering}: item {item['id']} shows no domain orders"
            assert {d["state"] for d in item["domainOrder"]} == {"completed"}
            assert item["pointOfNoReturn"] is True  # assetization is the last, hard PONR
        inventory = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
        assert inventory, f"{offering}: nothing in inventory"
        offerings_owned = {p["productOffering"]["id"] for p in inventory}
        ordered = {i["productOffering"]["id"] for i in order["productOrderItem"]}
        assert ordered <= offerings_owned, offering
        for product in inventory:
            assert product["status"] == "active"
            names = {c["name"] for c in product.get("productCharacteristic", [])}
            assert not names & PERSONAL_DATA, f"{offering}: personal data in inventory: {names}"


async def test_bundle_creates_a_product_per_component(
    http: httpx.AsyncClient, workforce: None
) -> None:
    customer, order = await _complete(http, "triple-play")

    assert order["state"] == "completed"
    inventory = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
    assert sorted(p["productOffering"]["id"] for p in inventory) == [
        "fiber-broadband",
        "iptv",
        "mobile-postpaid",
        "triple-play",
    ]
    milestones = {m["name"] for m in order["milestone"]}
    assert {"technicianBooked", "internetActive"} <= milestones
