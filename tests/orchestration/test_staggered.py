"""Staggered decomposition: what lacks data waits for it, the rest proceeds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx

from tests.auth import TEST_SUBJECT
from tests.helpers import ORDERS, eventually, wait_for_state
from tests.sample_orders import ADDRESS, order_body


async def _until(
    http: httpx.AsyncClient, order_id: str, check: Callable[[dict], bool], timeout: float = 60
) -> dict:
    last: dict = {}

    async def probe() -> dict | None:
        nonlocal last
        last = (await http.get(f"{ORDERS}/{order_id}")).json()
        return dict(last) if check(last) else None

    try:
        return await eventually(probe, timeout)
    except AssertionError:
        raise AssertionError(f"condition not met; last: {last}") from None


async def test_mobile_proceeds_while_broadband_waits_for_its_address(
    http: httpx.AsyncClient, workforce: None
) -> None:
    items = [
        {
            "id": "bb",
            "action": "add",
            "productOffering": {"id": "fiber-broadband"},
            "product": {"productCharacteristic": [{"name": "technology", "value": "fiber"}]},
        },
        {
            "id": "mob",
            "action": "add",
            "productOffering": {"id": "mobile-postpaid"},
            "product": {
                "productCharacteristic": [
                    {"name": "simType", "value": "esim"},
                    {"name": "dateOfBirth", "value": "1990-01-01"},
                ]
            },
        },
    ]
    # The requested start is close: the order completes soon after the address arrives (a start
    # already passed by then gets a technician SIMULATOR_NEXT_SLOT_SECONDS later, 2 s in tests).
    body = order_body(items, customer=f"stagger-{uuid.uuid4()}", start_in=timedelta(seconds=8))
    created = await http.post(ORDERS, json=body)
    order_id = created.json()["id"]

    def states(order: dict) -> dict[str, str]:
        return {i["id"]: i.get("state") for i in order["productOrderItem"]}

    waiting = await _until(http, order_id, lambda o: states(o)["bb"] == "pending")
    assert waiting["state"] == "inProgress"
    plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    assert [(d["itemId"], d["missing"]) for d in plan["deferred"]] == [
        ("bb", ["installationAddress"])
    ]
    assert not any(t["itemId"] == "bb" for t in plan["tasks"])
    # The mobile line goes on meanwhile: its eSIM is provisioned before the address arrives.

    async def mobile_done() -> bool:
        plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
        return any(t["itemId"] == "mob" and t["status"] == "completed" for t in plan["tasks"])

    await eventually(mobile_done, timeout=30, what="a mobile task completed while broadband waited")

    refused = await http.post(
        f"/ops/v1/orders/{order_id}/information",
        json={"itemId": "mob", "characteristics": {"installationAddress": ADDRESS}},
    )
    assert refused.status_code == 409

    supplied = await http.post(
        f"/ops/v1/orders/{order_id}/information",
        json={"itemId": "bb", "characteristics": {"installationAddress": ADDRESS}},
    )
    assert supplied.status_code == 200, supplied.text
    history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
    [given] = [e for e in history if e["title"] == "Information supplied for item bb"]
    assert (given["actor"], given["actorRole"]) == (TEST_SUBJECT, "fulfillment-manager")

    done = await wait_for_state(http, order_id, timeout=90)
    assert done["state"] == "completed"
    assert states(done) == {"bb": "completed", "mob": "completed"}
    plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    assert plan["deferred"] == []
    assert any(t["itemId"] == "bb" for t in plan["tasks"])


async def test_the_missing_address_can_arrive_by_tmf622_patch(
    http: httpx.AsyncClient, workforce: None
) -> None:
    chars = [{"name": "technology", "value": "fiber"}]
    item = {
        "id": "bb",
        "action": "add",
        "productOffering": {"id": "fiber-broadband"},
        "product": {"productCharacteristic": chars},
    }
    body = order_body([item], customer=f"stagger-patch-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _until(http, order_id, lambda o: o["productOrderItem"][0].get("state") == "pending")

    chars.append({"name": "installationAddress", "value": ADDRESS})
    patched = await http.patch(
        f"{ORDERS}/{order_id}",
        json={"productOrderItem": [item]},
        headers={"content-type": "application/merge-patch+json"},
    )

    assert patched.status_code == 200, patched.text
    done = await wait_for_state(http, order_id, timeout=90)
    assert done["state"] == "completed"
    assert done["productOrderItem"][0]["state"] == "completed"
