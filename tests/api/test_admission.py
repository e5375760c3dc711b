"""Order admission: accepted orders that cannot start yet wait in the store, survive the API,
and start most urgent first; a client acting on a waiting order gets it started at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from tests.auth import broad_headers
from tests.conftest import ApiServer, free_port
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order
from worker import build_worker

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
ADMISSION = "/ops/v1/admission"


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


# A task queue of the test's own: the session's API serves another one, so it never starts
# these orders (waiting orders are keyed by task queue).
QUEUE = f"admission-{uuid.uuid4().hex[:8]}"


def api_with(**settings: str) -> ApiServer:
    env = {"TESSERA_TASK_QUEUE": QUEUE, "ORDER_ADMISSION_POLL_SECONDS": "0.5", **settings}
    server = ApiServer(free_port(), env=env)
    server.start()
    return server


@pytest_asyncio.fixture
async def queue_worker(client: Client) -> AsyncIterator[Worker]:
    async with build_worker(client, task_queue=QUEUE) as running:
        yield running


async def test_waiting_orders_survive_the_api_and_start_most_urgent_first(
    client: Client, queue_worker: Worker
) -> None:
    customer = f"admit-{uuid.uuid4().hex[:8]}"
    # A gate that never opens (no backlog is at most -1): every order waits.
    closed_api = api_with(ORDER_ADMISSION_MAX_BACKLOG="-1")
    try:
        async with httpx.AsyncClient(
            base_url=closed_api.base_url, timeout=60, headers=broad_headers()
        ) as http:
            low_id = await post(
                http, sample_order("handset-nova-x5", customer=customer, priority="4")
            )
            urgent_id = await post(
                http, sample_order("handset-nova-x5", customer=customer, priority="0")
            )
            later = sample_order("fiber-broadband", customer=customer, start_in=timedelta(days=7))
            to_cancel = await post(http, later)
            await asyncio.sleep(1.5)  # three admission rounds
            gate = (await http.get(ADMISSION)).json()
            assert gate["open"] is False and "backlog" in gate["reason"]
            assert gate["queuedOrders"] == 3
            for order_id in (low_id, urgent_id, to_cancel):
                assert not await workflow_exists(client, order_id)
                stored = (await http.get(f"{ORDERS}/{order_id}")).json()
                assert stored["state"] == "acknowledged"
            plan = await http.get(f"/ops/v1/orders/{low_id}/plan")
            assert plan.status_code == 409 and plan.json()["code"] == "NotStarted"

            # A client acting on a waiting order gets it started at once, gate or not.
            cancel_body = {"productOrder": {"id": to_cancel}, "cancellationReason": "moved"}
            cancelled = await http.post(CANCEL, json=cancel_body)
            assert cancelled.status_code == 201, cancelled.text
            assert (await wait_for_state(http, to_cancel, timeout=60))["state"] == "cancelled"
            assert not await workflow_exists(client, low_id)
    finally:
        closed_api.stop()

    # Another API, admission control off, one start per round: the waiting orders start from
    # the store, the urgent one first, and complete.
    open_api = api_with(ORDER_ADMISSION_STARTS_PER_ROUND="1")
    try:
        async with httpx.AsyncClient(
            base_url=open_api.base_url, timeout=60, headers=broad_headers()
        ) as http:
            for order_id in (urgent_id, low_id):
                done = await wait_for_state(http, order_id, timeout=60)
                assert done["state"] == "completed", done.get("errorMessage")
            gate = (await http.get(ADMISSION)).json()
            assert gate["open"] is True and gate["reason"] == "admission control off"
    finally:
        open_api.stop()
    urgent_start = await started_at(client, urgent_id)
    low_start = await started_at(client, low_id)
    assert urgent_start < low_start, "the priority 0 order was admitted after priority 4"
