"""The timeline tells what came of each task and when the order will complete (issue 26,
items 8 and 9): undone, withdrawn and compensating tasks shown; one forecast for order and
timeline."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from tests.amendments.test_amendments import _plan_until
from tests.helpers import ORDERS, eventually, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"


async def test_after_a_cancellation_the_timeline_shows_undone_withdrawn_and_the_undo_work(
    http: httpx.AsyncClient, workforce: None
) -> None:
    body = sample_order(
        "fiber-broadband", customer=f"tl-{uuid.uuid4()}", start_in=timedelta(seconds=90)
    )
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":reserve-port", "completed", timeout=60)
    # The technician comes at the requested start: the order waits for the appointment.
    await _plan_until(http, order_id, ":wait-appointment", "running", timeout=60)

    cancel = await http.post(CANCEL, json={"productOrder": {"id": order_id}})
    assert cancel.status_code == 201, cancel.text
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "cancelled"
    timeline = (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json()

    outcomes = {t["id"].split(":")[-1]: (t["status"], t["outcome"]) for t in timeline["tasks"]}
    assert outcomes["reserve-port"] == ("completed", "undone")
    assert outcomes["wait-appointment"][1] == "withdrawn"
    assert outcomes["install"] == ("pending", "notStarted")
    undo = {t["compensates"]: t for t in timeline["compensatingTasks"]}
    reserve = next(t["id"] for t in timeline["tasks"] if t["id"].endswith(":reserve-port"))
    assert undo[reserve]["outcome"] == "compensation"
    assert undo[reserve]["status"] == "completed" and undo[reserve]["actualEnd"]
    assert undo[reserve]["activity"] and undo[reserve]["name"].startswith("Undo: ")
    assert all(t["outcome"] != "done" for t in timeline["tasks"]), "nothing done remains"


async def test_the_order_and_its_timeline_give_one_forecast(http: httpx.AsyncClient) -> None:
    # A mobile line with a port-in waits for the porting desk (4 h expected).
    body = sample_order("mobile-postpaid", customer=f"fc-{uuid.uuid4()}", start_in=timedelta(0))
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    task = await wait_for_open_task(http, order_id)

    async def both() -> tuple[str, str] | None:
        # Read the order on both sides of the timeline: equal only if it did not move between.
        before = (await http.get(f"{ORDERS}/{order_id}")).json().get("jeopardy", {})
        timeline = (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json()
        after = (await http.get(f"{ORDERS}/{order_id}")).json().get("jeopardy", {})
        forecast = after.get("forecastCompletionDate")
        if forecast is None or before.get("forecastCompletionDate") != forecast:
            return None
        return forecast, timeline["expectedCompletion"]

    forecast, expected = await eventually(both, what="the order's forecast")
    assert expected == forecast

    await http.post(f"/ops/v1/tasks/{task['id']}/claim", json={"assignee": "desk-1"})
    await http.post(
        f"/ops/v1/tasks/{task['id']}/complete",
        json={"result": {"approved": True, "portDate": "2026-12-01"}},
    )
    done = await wait_for_state(http, order_id, timeout=60)
    timeline = (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json()
    assert done["state"] == "completed"
    assert timeline["expectedCompletion"] == done["completionDate"]
