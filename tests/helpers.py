"""Small helpers the tests share: order bodies and waiting for an order to settle."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from google.protobuf.json_format import ParseDict
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from temporal_client.codec import EncryptionCodec
from tmf.product_order import ProductOrder

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
T = TypeVar("T")
FINAL_STATES = {"completed", "rejected", "failed", "partial", "cancelled"}

# Polling costs the API a token check and store reads per request, and the worker shares this
# process's event loop: 30 waiters polling every 0.1 s were 300 requests a second. A waiter
# starts at 0.1 s and backs off to 0.25 s (a test waits at most that much longer, on average
# a tenth of a second); waiters that run at once share ~10 polls a second.
FIRST_PAUSE_S = 0.1
MAX_PAUSE_S = 0.25
POLLS_PER_SECOND = 10
_waiting = 0


class _Poller:
    """The pauses of one waiter: growing from FIRST_PAUSE_S to MAX_PAUSE_S, and longer while
    other waiters poll at the same time (so that together they stay near POLLS_PER_SECOND)."""

    def __init__(self) -> None:
        self.pause = FIRST_PAUSE_S

    def __enter__(self) -> _Poller:
        global _waiting
        _waiting += 1
        return self

    def __exit__(self, *_: object) -> None:
        global _waiting
        _waiting -= 1

    async def sleep(self) -> None:
        await asyncio.sleep(max(self.pause, _waiting / POLLS_PER_SECOND))
        self.pause = min(self.pause * 1.5, MAX_PAUSE_S)


def stored_order(prefix: str, when: datetime) -> ProductOrder:
    """An order in progress as the store keeps one, for tests of the store alone."""
    order_id = f"{prefix}-{uuid.uuid4().hex[:10]}"
    return ProductOrder.model_validate(
        {
            "id": order_id,
            "href": f"/productOrder/{order_id}",
            "orderDate": when.isoformat(),
            "state": "inProgress",
            "relatedParty": [
                {"id": f"c-{prefix}", "role": "customer", "@referredType": "Individual"}
            ],
            "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "x"}}],
        }
    )


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
    with _Poller() as poller:
        while time.monotonic() < deadline:
            response = await http.get(f"{ORDERS}/{order_id}")
            if response.status_code == 200:
                last = response.json()
                if last.get("state") in states:
                    return last
            await poller.sleep()
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
    with _Poller() as poller:
        while time.monotonic() < deadline:
            order = (await http.get(f"{ORDERS}/{order_id}")).json()
            states = {i["id"]: i.get("state") for i in order.get("productOrderItem", [])}
            if all(states.get(k) == v for k, v in expected.items()):
                return dict(order)
            await poller.sleep()
    raise AssertionError(f"order {order_id}: items {states}, wanted {expected}")


async def wait_for_open_task(
    http: httpx.AsyncClient, order_id: str, timeout: float = 30
) -> dict[str, Any]:
    """The order's first open manual task, once its workflow has put it in the queue."""
    deadline = time.monotonic() + timeout
    with _Poller() as poller:
        while time.monotonic() < deadline:
            found = (
                await http.get("/ops/v1/tasks", params={"orderId": order_id, "state": "open"})
            ).json()
            if found:
                return dict(found[0])
            await poller.sleep()
    raise AssertionError(f"order {order_id} opened no manual task")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = 30, what: str = "condition"
) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with _Poller() as poller:
        while time.monotonic() < deadline:
            if result := await probe():
                return result
            await poller.sleep()
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def with_characteristic(body: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """The order body with that characteristic of every item set to `value`."""
    for item in body["productOrderItem"]:
        for char in item.get("product", {}).get("productCharacteristic", []):
            if char["name"] == name:
                char["value"] = value
    return body


async def order_workflow_ids(client: Client, order_id: str) -> list[str]:
    """The order's workflow and its domain orders' (from the parent's history)."""
    parent = await client.get_workflow_handle(f"order-{order_id}").fetch_history()
    return [f"order-{order_id}"] + [
        event.start_child_workflow_execution_initiated_event_attributes.workflow_id
        for event in parent.events
        if event.HasField("start_child_workflow_execution_initiated_event_attributes")
    ]


async def order_histories_text(client: Client, order_id: str) -> str:
    """Everything the Temporal UI shows of an order (through the codec server): the histories
    of its workflow and its domain orders, with every payload decrypted and decoded."""
    codec = client.data_converter.payload_codec
    assert isinstance(codec, EncryptionCodec)
    parts: list[str] = []
    for workflow_id in await order_workflow_ids(client, order_id):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        parts.append(json.dumps(_decoded(history.to_json_dict(), codec)))
    return "\n".join(parts)


def _decoded(node: Any, codec: EncryptionCodec) -> Any:
    # A payload in history JSON is {"metadata": {...}, "data": <base64>}.
    if isinstance(node, dict):
        if isinstance(node.get("data"), str) and isinstance(node.get("metadata"), dict):
            payload = codec.decrypt(ParseDict(node, Payload()))
            return payload.data.decode("utf-8", errors="replace")
        return {key: _decoded(value, codec) for key, value in node.items()}
    if isinstance(node, list):
        return [_decoded(value, codec) for value in node]
    return node
