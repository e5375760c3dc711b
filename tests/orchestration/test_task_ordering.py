"""From the workflow histories: independent tasks overlap, dependent ones wait for their inputs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order

SIMULATORS = "/ops/v1/simulators"
SLOW_SYSTEMS = ("inventory", "shipping", "field_service", "activation", "billing")


@pytest_asyncio.fixture
async def slow_systems(http: httpx.AsyncClient) -> AsyncIterator[None]:
    """Half a second per call, so that tasks running side by side visibly overlap."""
    for system in SLOW_SYSTEMS:
        response = await http.patch(f"{SIMULATORS}/{system}", json={"latencyMs": 500})
        assert response.status_code == 200, response.text
    yield
    for system in SLOW_SYSTEMS:
        await http.delete(f"{SIMULATORS}/{system}")


async def _activity_windows(
    client: Client, workflow_ids: list[str]
) -> dict[str, tuple[datetime, datetime]]:
    """Task id -> (started, completed), read from the domain orders' histories."""
    windows: dict[str, tuple[datetime, datetime]] = {}
    for workflow_id in workflow_ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        scheduled: dict[int, str] = {}
        started: dict[int, datetime] = {}
        for event in history.events:
            when = event.event_time.ToDatetime()
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                scheduled[event.event_id] = (
                    event.activity_task_scheduled_event_attributes.activity_id
                )
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                started[event.activity_task_started_event_attributes.scheduled_event_id] = when
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                attrs = event.activity_task_completed_event_attributes
                task_id = scheduled[attrs.scheduled_event_id]
                windows[task_id] = (started[attrs.scheduled_event_id], when)
    return windows


async def test_independent_tasks_overlap_and_dependent_tasks_wait(
    http: httpx.AsyncClient, client: Client, workforce: None, slow_systems: None
) -> None:
    created = await http.post(
        ORDERS, json=sample_order("fiber-broadband", customer=f"dag-{uuid.uuid4()}")
    )
    order = await wait_for_state(http, created.json()["id"], timeout=90)
    assert order["state"] == "completed"
    plan = (await http.get(f"/ops/v1/orders/{order['id']}/plan")).json()
    children = [d["id"] for d in order["productOrderItem"][0]["domainOrder"]]

    windows = await _activity_windows(client, children)

    automated = {t["id"]: t for t in plan["tasks"] if t["kind"] == "automated"}
    assert set(automated) <= set(windows), "every automated task ran as an activity"
    # Dependencies hold, across domain orders too.
    for task in automated.values():
        for dep in task["dependsOn"]:
            if dep in windows:
                assert windows[task["id"]][0] >= windows[dep][1], (
                    f"{task['id']} started before {dep} ended"
                )
    # Tasks with no dependencies start together and their windows overlap.
    roots = [t for t in automated if not automated[t]["dependsOn"]]
    assert len(roots) >= 2
    first, second = windows[roots[0]], windows[roots[1]]
    assert first[0] < second[1] and second[0] < first[1], (
        f"{roots[0]} and {roots[1]} did not overlap"
    )
