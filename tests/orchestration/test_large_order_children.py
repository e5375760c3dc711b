"""A large order's children (issue 24, workflows/order/children.py): closed once their domain
order has nothing left to run, never more than the limit open at a time, started a round at a
time. The thresholds are lowered for the test (the module is passed through to the sandbox, so
the worker in this process reads them): a few items make a "large" order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from store import plan_rows
from tests.helpers import ORDERS, eventually, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order
from workflows.order import children

LIMIT = 3


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(children, "LARGE_ABOVE", 2)
    monkeypatch.setattr(children, "OPEN_LIMIT", LIMIT)
    monkeypatch.setattr(children, "PER_ROUND", 2)
    yield


def _most_open(events: list) -> tuple[int, int]:
    """Children started, and the most open at once, read from the order's own history."""
    started = most = now = 0
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            started, now = started + 1, now + 1
            most = max(most, now)
        elif event.event_type in {
            EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
            EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
        }:
            now -= 1
    return started, most


async def _two_items(http: httpx.AsyncClient, offering: str) -> str:
    """An order of two items of the offering: "large" under the lowered limits."""
    body = sample_order(offering, customer=f"large-{uuid.uuid4().hex[:6]}")
    [item] = body["productOrderItem"]
    body["productOrderItem"] = [{**item, "id": str(n)} for n in range(1, 3)]
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_large_order_keeps_its_open_children_under_the_limit_and_completes(
    http: httpx.AsyncClient, client: Client, workforce: None, small_limits: None
) -> None:
    order_id = await _two_items(http, "triple-play")

    order = await wait_for_state(http, order_id, timeout=120)

    assert order["state"] == "completed", order.get("errorMessage")
    for item in order["productOrderItem"]:
        assert {d["state"] for d in item["domainOrder"]} == {"completed"}
    history = await client.get_workflow_handle(f"order-{order_id}").fetch_history()
    started, most = _most_open(list(history.events))
    assert started > LIMIT  # more children than the limit, so some waited for a slot
    assert most <= LIMIT  # (a child closed while the order stalled may start again later)
    markers = [
        e.marker_recorded_event_attributes.details["patch_data"]
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    assert markers, "no patch marker"


async def test_a_large_orders_plan_in_progress_is_read_from_its_store_writes(
    http: httpx.AsyncClient, small_limits: None
) -> None:
    # Issue 24: a 1,000-item order's workflow answered the plan query in 2.4-4.2 s; a large
    # order's store writes carry its plan view's changed rows, and GET plan/timeline read them.
    order_id = await _two_items(http, "fiber-broadband")
    waiting = await wait_for_open_task(http, order_id, timeout=60)  # for a technician

    async def stored_with_the_install_running() -> dict[str, Any] | None:
        view = await asyncio.to_thread(plan_rows.read_plan_view, order_id)
        running = {t["id"] for t in (view or {}).get("tasks", []) if t["status"] == "running"}
        return view if waiting["taskId"] in running else None

    stored = await eventually(stored_with_the_install_running, what="the plan view in the store")
    plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    assert [t["id"] for t in plan["tasks"]] == [t["id"] for t in stored["tasks"]]
    assert {t["id"]: t["status"] for t in plan["tasks"]}[waiting["taskId"]] == "running"
    assert plan["state"] == "inProgress" and plan["domainOrders"]
    timeline = (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json()
    assert timeline["criticalPath"] and len(timeline["tasks"]) == len(plan["tasks"])

    for _ in range(2):  # each item's install, done by a technician
        task = await wait_for_open_task(http, order_id, timeout=60)
        done = await http.post(
            f"/ops/v1/tasks/{task['id']}/complete",
            json={"result": {"installedAt": "2026-12-07T10:30:00Z", "serialNumber": "ONT-1"}},
        )
        assert done.status_code == 200, done.text
    assert (await wait_for_state(http, order_id, timeout=120))["state"] == "completed"
    # Closed: its rows are its final view's, which GET plan shows.
    kept = await asyncio.to_thread(plan_rows.read_plan_view, order_id)
    assert kept is not None and {t["status"] for t in kept["tasks"]} == {"completed"}
    closed = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    assert closed["state"] == "completed"
    assert {t["status"] for t in closed["tasks"]} == {"completed"}
