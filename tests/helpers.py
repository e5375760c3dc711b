"""Small helpers the tests share: order bodies and waiting for an order to settle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
T = TypeVar("T")
FINAL_STATES = {"completed", "rejected", "failed", "partial", "cancelled"}


def minimal_order(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "productOrderItem": [{"id": "1", "action": "add"}],
        "relatedParty": [{"id": "cust-1", "@referredType": "Individual", "role": "customer"}],
    }
    body.update(extra)
    return body


async def wait_for_state(
    http: httpx.AsyncClient, order_id: str, states: set[str] = FINAL_STATES, timeout: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await http.get(f"{ORDERS}/{order_id}")
        if response.status_code == 200:
            last = response.json()
            if last.get("state") in states:
                return last
        await asyncio.sleep(0.1)
    items = [(i["id"], i.get("state")) for i in last.get("productOrderItem", [])]
    raise AssertionError(
        f"order {order_id} did not reach {states}; last seen: {last.get('state')}, items {items}, "
        f"errors {last.get('errorMessage')}"
    )


async def wait_for_item_states(
    http: httpx.AsyncClient, order_id: str, expected: dict[str, str], timeout: float = 30
) -> dict[str, Any]:
    """Poll until the order's items are in the expected states (item id -> state)."""
    deadline = time.monotonic() + timeout
    states: dict[str, Any] = {}
    while time.monotonic() < deadline:
        order = (await http.get(f"{ORDERS}/{order_id}")).json()
        states = {i["id"]: i.get("state") for i in order.get("productOrderItem", [])}
        if all(states.get(k) == v for k, v in expected.items()):
            return dict(order)
        await asyncio.sleep(0.1)
    raise AssertionError(f"order {order_id}: items {states}, wanted {expected}")


async def wait_for_open_task(
    http: httpx.AsyncClient, order_id: str, timeout: float = 30
) -> dict[str, Any]:
    """The order's first open manual task, once its workflow has put it in the queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = (
            await http.get("/ops/v1/tasks", params={"orderId": order_id, "state": "open"})
        ).json()
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"order {order_id} opened no manual task")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = 30, what: str = "condition"
) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await probe():
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
