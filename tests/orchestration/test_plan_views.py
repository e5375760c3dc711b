"""Plan preview before capture, prices at capture, plan and timeline while it runs."""

from __future__ import annotations

import uuid

import httpx

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order

PREVIEW = "/ops/v1/plan-preview"


def _amount(prices: list[dict], price_type: str) -> float:
    return sum(
        p["price"]["taxIncludedAmount"]["value"] for p in prices if p["priceType"] == price_type
    )


async def test_preview_shows_plan_critical_path_and_prices_without_starting(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("triple-play", customer=f"preview-{uuid.uuid4()}")

    response = await http.post(PREVIEW, json=body)

    assert response.status_code == 200, response.text
    preview = response.json()
    task_ids = {t["id"] for t in preview["tasks"]}
    assert preview["criticalPath"] and set(preview["criticalPath"]) <= task_ids
    assert preview["criticalPathSeconds"] > 0
    assert preview["expectedCompletionDate"].endswith("Z")
    recurring = [p for p in preview["orderTotalPrice"] if p["priceType"] == "recurring"]
    assert recurring and any(p.get("priceAlteration") for p in recurring), "bundle discount shown"
    listed = await http.get(ORDERS, params={"relatedParty.id": body["relatedParty"][0]["id"]})
    assert listed.json() == [], "a preview starts nothing"


async def test_preview_of_invalid_order_gives_the_capture_reasons(http: httpx.AsyncClient) -> None:
    body = sample_order("sdwan-enterprise")  # sold by the call center and partners only
    body["channel"] = [{"id": "web", "name": "web"}]

    response = await http.post(PREVIEW, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "InvalidOrder"
    assert [p["code"] for p in response.json()["problems"]] == ["OfferingNotInChannel"]


async def test_invalid_order_is_rejected_with_catalog_reasons(http: httpx.AsyncClient) -> None:
    body = sample_order("mobile-postpaid")
    body["productOrderItem"][0]["product"]["productCharacteristic"].append(
        {"name": "simType", "value": "nano"}
    )
    body["productOrderItem"].append(
        {"id": "2", "action": "add", "productOffering": {"id": "no-such"}}
    )

    created = await http.post(ORDERS, json=body)
    rejected = await wait_for_state(http, created.json()["id"])

    assert rejected["state"] == "rejected"
    codes = {(e["code"], tuple(e.get("productOrderItem", []))) for e in rejected["errorMessage"]}
    assert ("UnknownOffering", ("2",)) in codes
    assert any(code == "InvalidCharacteristicValue" for code, _ in codes)


async def test_prices_timeline_and_plan_of_a_running_order(
    http: httpx.AsyncClient, workforce: None
) -> None:
    created = await http.post(ORDERS, json=sample_order("handset-nova-x5"))
    order = await wait_for_state(http, created.json()["id"])

    assert order["state"] == "completed"
    assert _amount(order["orderTotalPrice"], "oneTime") > 0
    assert order["productOrderItem"][0]["itemPrice"]
    timeline = (await http.get(f"/ops/v1/orders/{order['id']}/timeline")).json()
    assert timeline["criticalPath"][-1].endswith(":assetize")
    for task in timeline["tasks"]:
        assert task["status"] == "completed"
        assert task["plannedStart"] and task["actualStart"] and task["actualEnd"]
        assert task["actualEnd"] >= task["actualStart"]
    plan = (await http.get(f"/ops/v1/orders/{order['id']}/plan")).json()
    assert plan["catalogVersion"] == order["catalogVersion"]
    assert {d["id"] for d in plan["domainOrders"]} == {"product-handset-1"}
