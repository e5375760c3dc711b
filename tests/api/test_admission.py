"""Order admission: while the workers are behind, accepted orders wait in the store (most urgent
first) instead of piling onto the task queue, and start as the backlog drains."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from tests.conftest import ApiServer, free_port
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order
from worker import build_worker

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
ADMISSION = "/ops/v1/admission"


async def until(probe: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await probe():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def workflow_exists(client: Client, order_id: str) -> bool:
    try:
        await client.get_workflow_handle(f"order-{order_id}").describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def started_at(client: Client, order_id: str) -> datetime:
    return (await client.get_workflow_handle(f"order-{order_id}").describe()).start_time


async def post(http: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await http.post(ORDERS, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "acknowledged"
    return str(response.json()["id"])


@pytest.fixture
def gated_queue() -> str:
    return f"admission-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def gated_api(gated_queue: str, client: Client) -> Any:
    """An API on a task queue no worker polls yet, that admits nothing past one waiting task."""
    server = ApiServer(
        free_port(),
        env={
            "TESSERA_TASK_QUEUE": gated_queue,
            "ORDER_ADMISSION_MAX_BACKLOG": "0",
            "ORDER_ADMISSION_STARTS_PER_ROUND": "1",
            "ORDER_ADMISSION_POLL_SECONDS": "0.5",
        },
    )
    server.start()
    yield server
    server.stop()


async def test_orders_wait_for_capacity_most_urgent_first_and_all_complete(
    gated_api: ApiServer, gated_queue: str, client: Client
) -> None:
    customer = f"admit-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=gated_api.base_url, timeout=60) as http:
        # The queue is empty: the first order starts at once, and its task waits for a worker.
        first = await post(http, sample_order("handset-nova-x5", customer=customer))
        assert await workflow_exists(client, first)

        async def gate_closed() -> dict[str, Any] | None:
            state = (await http.get(ADMISSION)).json()
            return state if not state["open"] else None

        closed = await until(gate_closed, "the admission gate to close")
        assert closed["workflowTaskBacklog"] >= 1
        assert "backlog" in closed["reason"]

        # Now orders are accepted and kept, but not started.
        later = sample_order("handset-nova-x5", customer=customer, priority="4")
        urgent = sample_order("handset-nova-x5", customer=customer, priority="0")
        low_id = await post(http, later)
        urgent_id = await post(http, urgent)
        await asyncio.sleep(1.5)  # three admission rounds: the gate stays shut
        assert not await workflow_exists(client, low_id)
        assert not await workflow_exists(client, urgent_id)
        assert (await http.get(ADMISSION)).json()["queuedOrders"] == 2
        stored = await http.get(f"{ORDERS}/{low_id}")
        assert stored.status_code == 200 and stored.json()["state"] == "acknowledged"
        plan = await http.get(f"/ops/v1/orders/{low_id}/plan")
        assert plan.status_code == 409 and plan.json()["code"] == "NotStarted"

        # A client acting on a waiting order gets it started at once, gate or not.
        to_cancel = await post(
            http, sample_order("fiber-broadband", customer=customer, start_in=timedelta(days=7))
        )
        cancelling = asyncio.create_task(
            http.post(CANCEL, json={"productOrder": {"id": to_cancel}, "cancellationReason": "x"})
        )
        await until(lambda: workflow_exists(client, to_cancel), "the cancelled order to start")
        assert not await workflow_exists(client, low_id)

        # A worker arrives: the backlog drains and the waiting orders start, urgent first.
        async with build_worker(client, task_queue=gated_queue):
            cancelled = await cancelling
            assert cancelled.status_code == 201, cancelled.text
            for order_id in (first, urgent_id, low_id):
                done = await wait_for_state(http, order_id, timeout=60)
                assert done["state"] == "completed", done.get("errorMessage")
            assert (await wait_for_state(http, to_cancel, timeout=60))["state"] == "cancelled"

        assert (await http.get(ADMISSION)).json()["queuedOrders"] == 0
        urgent_start = (
            await client.get_workflow_handle(f"order-{urgent_id}").describe()
        ).start_time
        low_start = (await client.get_workflow_handle(f"order-{low_id}").describe()).start_time
        assert urgent_start < low_start, "the priority 0 order was admitted after priority 4"
