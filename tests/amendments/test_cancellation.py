"""Cancellation: undo everything before the point of no return, refuse it after."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from store.simulators import active_resources
from tests.amendments.test_amendments import LATER, MERGE_PATCH, _plan_until
from tests.helpers import ORDERS, eventually, wait_for_open_task, wait_for_state
from tests.sample_orders import order_body, sample_order

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
MOBILE = {
    "id": "m",
    "action": "add",
    "productOffering": {"id": "mobile-postpaid"},
    "product": {
        "productCharacteristic": [
            {"name": "simType", "value": "esim"},
            {"name": "dateOfBirth", "value": "1990-01-01"},
        ]
    },
}


async def _cancel(http: httpx.AsyncClient, order_id: str, **extra: Any) -> dict[str, Any]:
    response = await http.post(
        CANCEL,
        json={"productOrder": {"id": order_id}, "cancellationReason": "changed mind", **extra},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == response.json()["href"]
    return dict(response.json())


async def _cancel_task_until(http: httpx.AsyncClient, cancel_id: str, state: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        task = (await http.get(f"{CANCEL}/{cancel_id}")).json()
        return dict(task) if task["state"] == state else None

    return await eventually(probe, timeout=60, what=f"cancellation {cancel_id} {state}")


async def test_early_cancellation_undoes_everything(
    http: httpx.AsyncClient, workforce: None
) -> None:
    body = sample_order("fiber-broadband", customer=f"cancel-{uuid.uuid4()}", start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":reserve-port", "completed")
    await _plan_until(http, order_id, "resource-router-1:ship", "completed")
    assert active_resources(order_id), "something was reserved before the cancellation"

    task = await _cancel(http, order_id)

    done = await _cancel_task_until(http, task["id"], "done")
    assert done["effectiveCancellationDate"]
    order = await wait_for_state(http, order_id)
    assert order["state"] == "cancelled" and order["cancellationReason"] == "changed mind"
    assert {i["state"] for i in order["productOrderItem"]} == {"cancelled"}
    assert active_resources(order_id) == [], "every simulator is clean"
    listed = await http.get(CANCEL, params={"productOrder.id": order_id})
    assert [t["id"] for t in listed.json()] == [task["id"]]


async def test_cancellation_after_ponr_is_refused_and_the_order_completes(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("fiber-broadband", customer=f"cancel-late-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":install", "running", timeout=60)

    task = await _cancel(http, order_id)

    refused = await _cancel_task_until(http, task["id"], "terminatedWithError")
    assert "PointOfNoReturn" in refused["errorMessage"]
    order = (await http.get(f"{ORDERS}/{order_id}")).json()
    assert order["state"] == "inProgress"
    work = await wait_for_open_task(http, order_id)
    await http.post(
        f"/ops/v1/tasks/{work['id']}/complete",
        json={
            "result": {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "S2"},
        },
    )
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"
    again = await _cancel(http, order_id)
    assert again["state"] == "terminatedWithError"


async def test_future_cancellation_waits_and_refuses_a_later_amendment(
    http: httpx.AsyncClient, workforce: None
) -> None:
    # Once a cancellation is accepted the order is going away, whatever its date (issue 27: a
    # PATCH answered 200 after the cancellation had been acknowledged).
    body = order_body([MOBILE], customer=f"cancel-future-{uuid.uuid4()}", start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":provision-esim", "completed")
    when = datetime.now(UTC) + timedelta(seconds=6)

    task = await _cancel(http, order_id, requestedCancellationDate=when.isoformat())
    patched = await http.patch(
        f"{ORDERS}/{order_id}", json={"description": "keep the number"}, headers=MERGE_PATCH
    )

    assert task["state"] == "acknowledged"
    assert patched.status_code == 409 and patched.json()["code"] == "InvalidState"
    done = await _cancel_task_until(http, task["id"], "done")
    effective = datetime.fromisoformat(done["effectiveCancellationDate"].replace("Z", "+00:00"))
    assert effective >= when
    order = await wait_for_state(http, order_id)
    assert order["state"] == "cancelled"
    assert active_resources(order_id) == []
