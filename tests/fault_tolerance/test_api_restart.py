"""Restart the API during a burst of POSTs with idempotency keys, the client retrying:
every accepted order exists exactly once, in the store and in Temporal."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from temporalio.client import Client

from store import orders
from store.orders import OrderFilter
from tests.auth import broad_headers
from tests.fault_tolerance.orders import order_body, wait_until_started
from tests.fault_tolerance.support import Processes
from tests.helpers import ORDERS

BURST = 40
CONCURRENCY = 8
KILL_AFTER_ACCEPTED = 10


async def _post_until_accepted(
    http: httpx.AsyncClient, body: dict[str, object], key: str, deadline: float
) -> tuple[str, int]:
    """POST with retries on connection errors and 5xx; returns (order id, attempts)."""
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        try:
            response = await http.post(ORDERS, json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        if response.status_code >= 500:
            await asyncio.sleep(0.2)
            continue
        assert response.status_code == 201, response.text
        return str(response.json()["id"]), attempts
    raise AssertionError(f"{key} was never accepted")


async def test_api_restart_during_burst_keeps_each_order_once(
    processes: Processes, own_client: Client
) -> None:
    processes.start_api()
    prefix = f"burst-{uuid.uuid4().hex[:8]}"
    customer = f"{prefix}-customer"
    bodies = []
    for i in range(BURST):
        body = order_body(i, prefix)
        body["relatedParty"] = [{"id": customer, "@referredType": "Individual", "role": "customer"}]
        bodies.append(body)
    gate = asyncio.Semaphore(CONCURRENCY)
    accepted: list[str] = []
    deadline = time.monotonic() + 90

    async def one(i: int) -> tuple[str, int]:
        async with gate:
            order_id, attempts = await _post_until_accepted(
                http, bodies[i], f"{prefix}-{i}", deadline
            )
            accepted.append(order_id)
            return order_id, attempts

    async def restart_api() -> None:
        while len(accepted) < KILL_AFTER_ACCEPTED and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        processes.kill_api()
        await asyncio.sleep(0.5)  # requests in flight now fail: the clients retry
        processes.start_api()

    async with httpx.AsyncClient(
        base_url=processes.api_url, timeout=10, headers=broad_headers()
    ) as http:
        restarter = asyncio.create_task(restart_api())
        outcomes = await asyncio.gather(*(one(i) for i in range(BURST)))
        await restarter

    ids = [order_id for order_id, _ in outcomes]
    assert sum(attempts for _, attempts in outcomes) > BURST, "no request was retried"
    # Each key got its own order, and retries of a key got the same one.
    assert len(set(ids)) == BURST
    stored, total = orders.list_orders(OrderFilter(customer_id=customer), 0, BURST * 2)
    assert total == BURST
    assert sorted(d["id"] for d in stored) == sorted(ids)
    # An order accepted just before the kill is started by the restarted API's admission loop.
    await wait_until_started(own_client, ids, timeout=30)
    # No workflow for an order the store does not hold (visibility is eventually consistent).
    query = f"CustomerId = '{customer}' AND WorkflowType = 'ProductOrder'"
    count = -1
    for _ in range(100):
        count = (await own_client.count_workflows(query)).count
        if count == BURST:
            break
        await asyncio.sleep(0.1)
    assert count == BURST
