"""Plan preview before capture, prices at capture, plan and timeline while it runs and after."""

from __future__ import annotations

import uuid

import httpx

from tests.auth import broad_headers
from tests.conftest import ApiServer, free_port
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


async def test_plan_and_timeline_of_closed_orders_come_from_the_store(
    http: httpx.AsyncClient, workforce: None
) -> None:
    completed = await http.post(ORDERS, json=sample_order("handset-nova-x5"))
    body = sample_order("handset-nova-x5")
    body["productOrderItem"][0]["productOffering"]["id"] = "no-such-offering"
    rejected = await http.post(ORDERS, json=body)
    orders = [await wait_for_state(http, r.json()["id"]) for r in (completed, rejected)]
    assert [o["state"] for o in orders] == ["completed", "rejected"]
    urls = [f"/ops/v1/orders/{o['id']}/{v}" for o in orders for v in ("plan", "timeline")]
    seen = [(await http.get(url)).json() for url in urls]

    # An API that cannot reach Temporal, as if the histories had passed their retention period:
    # a query on those workflows would fail; the store still has their plans.
    no_temporal = ApiServer(free_port(), env={"TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"})
    no_temporal.start()
    try:
        async with httpx.AsyncClient(
            base_url=no_temporal.base_url, timeout=30, headers=broad_headers()
        ) as cut_off:
            answers = [await cut_off.get(url) for url in urls]
            # An order that is not closed needs its workflow: the API says Temporal is away.
            open_order = await cut_off.get(f"/ops/v1/orders/{uuid.uuid4()}/plan")
    finally:
        no_temporal.stop()

    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json() for a in answers] == seen
    assert open_order.status_code == 503
    assert open_order.json()["code"] == "ServiceUnavailable"
    plan, timeline, rejected_plan, _ = seen
    assert plan["state"] == "completed"
    assert plan["tasks"] and all(t["status"] == "completed" for t in plan["tasks"])
    assert timeline["criticalPath"][-1].endswith(":assetize")
    assert rejected_plan == {
        "orderId": orders[1]["id"],
        "state": "rejected",
        "domainOrders": [],
        "tasks": [],
    }
