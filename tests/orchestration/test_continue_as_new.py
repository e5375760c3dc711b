"""An order whose history reaches its threshold continues as new (issue 24,
workflows/order/continuation.py): each run hands the next its book, the children go on reporting
to whichever run is current, and the order completes as one order. The threshold is the order's
policy (ORDER_CONTINUE_AS_NEW_EVENTS); here 100 events, so a two-item triple play takes several
runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from api.order_workflows import initial_search_attributes
from config.settings import get_settings
from tests.helpers import ORDERS
from tests.sample_orders import sample_order
from tmf.product_order import PRODUCT_ORDERING_BASE, ProductOrder
from workflows.order import ProductOrderInput, ProductOrderWorkflow
from workflows.policy import OrderPolicy

WORKFORCE = "/ops/v1/simulators/field_workforce"


def _two_triple_plays(order_id: str) -> ProductOrder:
    body = sample_order("triple-play", customer=f"can-{order_id[:6]}")
    [item] = body["productOrderItem"]
    body["productOrderItem"] = [{**item, "id": str(n)} for n in range(1, 3)]
    return ProductOrder.model_validate(
        {
            **body,
            "id": order_id,
            "href": f"http://test{PRODUCT_ORDERING_BASE}/productOrder/{order_id}",
            "orderDate": datetime.now(UTC),
        }
    )


async def _start(client: Client, order: ProductOrder) -> WorkflowHandle[Any, Any]:
    """As the API starts an order, with a threshold of 100 events."""
    return await client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order, policy=OrderPolicy(continue_as_new_after_events=100)),
        id=f"order-{order.id}",
        task_queue=get_settings().task_queue,
        search_attributes=initial_search_attributes(order),
    )


async def test_an_order_past_its_history_threshold_continues_as_new_and_completes(
    http: httpx.AsyncClient, client: Client, workforce: None
) -> None:
    order = _two_triple_plays(str(uuid.uuid4()))
    workflow_id = f"order-{order.id}"
    handle = await _start(client, order)

    result = await handle.result()  # follows the runs to the last

    assert result.state.value == "completed"
    runs = [r async for r in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    assert len(runs) >= 2, "the order never continued as new"
    first = client.get_workflow_handle(workflow_id, run_id=handle.result_run_id)
    last_event = (await first.fetch_history()).events[-1]
    assert last_event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    for run in runs:  # each run's history stays near the threshold
        history = await client.get_workflow_handle(workflow_id, run_id=run.run_id).fetch_history()
        assert len(history.events) < 400, (run.run_id, len(history.events))

    # What a user sees is one order: completed, every domain order completed, its story told
    # once from creation to completion, its plan shown.
    shown = (await http.get(f"{ORDERS}/{order.id}")).json()
    assert shown["state"] == "completed"
    for item in shown["productOrderItem"]:
        assert item["state"] == "completed"
        assert {d["state"] for d in item["domainOrder"]} == {"completed"}
    events = (await http.get(f"/ops/v1/orders/{order.id}/history")).json()
    titles = [e.get("title") for e in events]
    assert titles.count("Order created") == 1, titles
    assert "Order completed" in titles
    plan = await http.get(f"/ops/v1/orders/{order.id}/plan")
    assert plan.status_code == 200
    assert {t["status"] for t in plan.json()["tasks"]} == {"completed"}


async def test_a_later_run_takes_an_amendment_and_the_order_completes(
    http: httpx.AsyncClient, client: Client
) -> None:
    order = _two_triple_plays(str(uuid.uuid4()))
    workflow_id = f"order-{order.id}"
    # Technicians come slowly: the order is still running once it has continued as new.
    await http.put(WORKFORCE, json={"autoComplete": True, "latencyMs": 3000})
    try:
        handle = await _start(client, order)
        deadline = time.monotonic() + 60
        while len([r async for r in client.list_workflows(f"WorkflowId = '{workflow_id}'")]) < 2:
            assert time.monotonic() < deadline, "the order never continued as new"
            await asyncio.sleep(0.5)

        amended = await http.patch(
            f"{ORDERS}/{order.id}",
            json={"description": "amended in a later run"},
            headers={"content-type": "application/merge-patch+json"},
        )

        assert amended.status_code == 200, amended.text
        assert amended.json()["description"] == "amended in a later run"
        assert (await handle.result()).state.value == "completed"
    finally:
        await http.put(WORKFORCE, json={"autoComplete": False, "latencyMs": 0})
    shown = (await http.get(f"{ORDERS}/{order.id}")).json()
    assert (shown["state"], shown["description"]) == ("completed", "amended in a later run")
