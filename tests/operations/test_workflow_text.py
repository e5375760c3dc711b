"""What fulfillment staff read in the Temporal UI: an order's summary and details from its
start, its current details as it goes (state, what it waits for), activities' summaries. No
personal data in any of them."""

from __future__ import annotations

import uuid

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowHandle

from tests.helpers import ORDERS, eventually, wait_for_open_task, wait_for_state
from tests.sample_orders import ADDRESS, sample_order


async def _current_details(handle: WorkflowHandle) -> str:
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(metadata.current_details)


async def _activity_summaries(client: Client, handle: WorkflowHandle) -> list[str]:
    history = await handle.fetch_history()
    summaries: list[str] = []
    for event in history.events:
        scheduled = event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        if scheduled and event.user_metadata.HasField("summary"):
            [text] = await client.data_converter.decode([event.user_metadata.summary], [str])
            summaries.append(text)
    return summaries


async def test_an_order_reads_well_in_the_temporal_ui_from_start_to_end(
    http: httpx.AsyncClient, client: Client
) -> None:
    customer = f"ui-{uuid.uuid4().hex[:6]}"
    created = await http.post(ORDERS, json=sample_order("fiber-broadband", customer=customer))
    order_id = created.json()["id"]
    order = client.get_workflow_handle(f"order-{order_id}")

    # At the start: what was ordered, for whom, through which channel, for when.
    described = await eventually(lambda: _described(order), what="the order's workflow")
    summary, details = await described.static_summary(), await described.static_details()
    assert summary == f"Order {order_id}: add fiber-broadband for {customer} (web)"
    assert "| 1 | add | fiber-broadband |" in (details or "")
    assert f"**Customer** {customer} · **channel** web" in (details or "")
    assert "**Requested start** 20" in (details or "")

    # Waiting for the technician: the order and its domain order say so.
    task = await wait_for_open_task(http, order_id, timeout=60)
    waiting = await _current_details(order)
    assert "**State** inProgress" in waiting
    assert "in queue field-install (item 1)" in waiting, waiting
    domain_order = client.get_workflow_handle(task["workflowId"])
    child = await domain_order.describe()
    assert (await child.static_summary() or "").endswith("(add) for item 1")
    assert f"**Order** {order_id}" in (await child.static_details() or "")
    assert "in queue field-install (item 1)" in await _current_details(domain_order)
    assert any(
        s.startswith("work_queue.open_task: ") and s.endswith(" for item 1")
        for s in await _activity_summaries(client, domain_order)
    )

    done = await http.post(
        f"/ops/v1/tasks/{task['id']}/complete",
        json={"result": {"installedAt": "2026-12-07T10:00:00Z", "serialNumber": "RT-3"}},
    )
    assert done.status_code == 200, done.text
    await wait_for_state(http, order_id, timeout=60)

    # At the end: the final state, nothing left to wait for.
    finished = await _current_details(order)
    assert "**State** completed" in finished and "Waiting for" not in finished
    everything = [summary, details, waiting, finished, *await _activity_summaries(client, order)]
    assert not any(ADDRESS in (text or "") or "Rue" in (text or "") for text in everything)


async def _described(handle: WorkflowHandle) -> WorkflowExecutionDescription | None:
    try:
        return await handle.describe()
    except Exception:
        return None
