"""Everything accepted progresses: what fails after the 201 ends in a visible, final state.

And a hypothesis suite of hostile bodies against the API: no 5xx, every 4xx in TMF shape, and
every order answered 201 leaves `acknowledged` (planned, rejected, ...) within a bound.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import get_settings
from store import orders
from tests.conftest import ApiServer
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"


def _queue_directly(body: dict[str, Any], priority: str) -> str:
    """Accept an order the way an API with looser limits would have: store and queue only."""
    order_id = str(uuid.uuid4())
    order = ProductOrder(
        **{**body, "priority": priority},
        id=order_id,
        href=f"http://x/{order_id}",
        orderDate=datetime.now(UTC),
    )
    orders.accept_order(order, None, get_settings().task_queue)
    return order_id


async def test_an_order_that_cannot_start_is_rejected_and_does_not_block_the_queue(
    http: httpx.AsyncClient,
) -> None:
    # 3.2 MB of random text, 2.4 MB compressed, is past Temporal's payload limit even as the
    # codec seals it: the start fails, for ever.
    noise = base64.b64encode(random.Random(7).randbytes(2_400_000)).decode()
    huge = sample_order("handset-nova-x5", customer=f"huge-{uuid.uuid4()}")
    huge["productOrderItem"][0]["product"]["productCharacteristic"].append(
        {"name": "engraving", "value": noise}
    )
    stuck = await asyncio.to_thread(_queue_directly, huge, "0")  # first in the queue
    behind = await asyncio.to_thread(
        _queue_directly, sample_order("handset-nova-x5", customer=f"ok-{uuid.uuid4()}"), "4"
    )

    rejected = await wait_for_state(http, stuck, timeout=20)
    progressed = await wait_for_state(
        http, behind, {"inProgress", "completed", "rejected"}, timeout=20
    )
    cancel = await http.post(CANCEL, json={"productOrder": {"id": stuck}})

    assert rejected["state"] == "rejected"
    assert rejected["errorMessage"][0]["code"] == "NotStartable"
    assert progressed["state"] in {"inProgress", "completed"}
    assert not await asyncio.to_thread(orders.is_queued, stuck)
    assert cancel.status_code == 201 and cancel.json()["state"] == "terminatedWithError"


@pytest.fixture
def small_plans() -> Iterator[None]:
    """The worker in this process reads ORDER_MAX_PLAN_BYTES at each planning (the plan's size
    as the codec seals it: compressed)."""
    os.environ["ORDER_MAX_PLAN_BYTES"] = "8000"
    get_settings.cache_clear()
    yield
    del os.environ["ORDER_MAX_PLAN_BYTES"]
    get_settings.cache_clear()


async def test_a_plan_past_the_payload_limit_rejects_the_order(
    http: httpx.AsyncClient, small_plans: None
) -> None:
    body = sample_order("handset-nova-x5", customer=f"plan-{uuid.uuid4()}")
    # Random text: compressed, it still takes ~11 KB (15,000 times "x" would take a few bytes).
    noise = base64.b64encode(random.Random(24).randbytes(11_250)).decode()
    body["productOrderItem"][0]["product"]["productCharacteristic"][1]["value"] = noise
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201, created.text

    rejected = await wait_for_state(http, created.json()["id"], timeout=20)

    assert rejected["state"] == "rejected"
    assert [e["code"] for e in rejected["errorMessage"]] == ["OrderTooLarge"]


# -- hostile bodies --------------------------------------------------------------------------

INF_TOKEN = "__1E400__"  # the number 1e400 in the JSON text: no Python float holds it
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and the infinities included
    st.just(INF_TOKEN),
    st.text(max_size=30),  # lone surrogates included
    st.just("x" * 20_000),
)
json_values = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
deep = st.integers(min_value=20, max_value=300).map(
    lambda depth: json.loads("[" * depth + "1" + "]" * depth)
)
FIELDS = [
    "externalId",
    "priority",
    "description",
    "category",
    "requestedStartDate",
    "requestedCompletionDate",
    "relatedParty",
    "channel",
    "note",
    "productOrderItem",
    "billingAccount",
    "notificationContact",
    "id",
]
ITEM_FIELDS = [
    "id",
    "action",
    "quantity",
    "productOffering",
    "product",
    "productOrderItemRelationship",
]


@st.composite
def hostile_bodies(draw: st.DrawFn) -> str:
    body: dict[str, Any] = sample_order(
        draw(st.sampled_from(["handset-nova-x5", "mobile-postpaid", "fiber-broadband"])),
        customer=f"fuzz-{uuid.uuid4()}",
    )
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        items = body.get("productOrderItem")
        item = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        where = draw(st.sampled_from(["characteristic", "field", "item field", "deep"]))
        value = draw(json_values)
        if where == "characteristic":
            if not isinstance(item.get("product"), dict):
                item["product"] = {}
            if not isinstance(item["product"].get("productCharacteristic"), list):
                item["product"]["productCharacteristic"] = []
            item["product"]["productCharacteristic"].append(
                {"name": draw(st.text(min_size=1, max_size=10)), "value": value}
            )
        elif where == "field":
            body[draw(st.sampled_from(FIELDS))] = value
        elif where == "item field":
            item[draw(st.sampled_from(ITEM_FIELDS))] = value
        else:
            body["note"] = [{"text": "n", "extra": draw(deep)}]
    return json.dumps(body).replace(f'"{INF_TOKEN}"', "1e400")


def _check_answer(response: httpx.Response, text: str) -> str | None:
    """The order id of a 201; fails on a 5xx or a 4xx that is not in TMF shape."""
    assert response.status_code < 500, f"{response.status_code} for {text[:300]}: {response.text}"
    if response.status_code == 201:
        return str(response.json()["id"])
    error = response.json()
    assert error.get("@type") == "Error", response.text
    assert error.get("status") == str(response.status_code), response.text
    assert error.get("code") and error.get("reason"), response.text
    return None


def fuzz_orders(base_url: str, examples: int) -> list[str]:
    """POST hypothesis' hostile bodies (in a thread: the worker runs on the test's event loop);
    returns the ids of the orders answered 201."""
    accepted: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=hostile_bodies())
    def post(text: str) -> None:
        response = httpx.post(
            base_url + ORDERS,
            content=text.encode("utf-8", "surrogatepass"),
            headers={"content-type": "application/json"},
            timeout=15,
        )
        if (order_id := _check_answer(response, text)) is not None:
            accepted.append(order_id)

    post()
    return accepted


# Enough to meet every kind of value several times; FUZZ_EXAMPLES raises it (`make fuzz`).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
# Planning takes the worker well under a second per order; the bound allows for a loaded host.
SETTLE_SECONDS = 30.0
SETTLE_SECONDS_PER_ORDER = 0.5
WAITING = {"acknowledged"}  # an order still here after the bound is stuck


async def test_hostile_bodies_get_no_5xx_and_no_order_is_left_stuck(
    http: httpx.AsyncClient, api_server: ApiServer
) -> None:
    accepted = await asyncio.to_thread(fuzz_orders, api_server.base_url, EXAMPLES)

    deadline = time.monotonic() + SETTLE_SECONDS + SETTLE_SECONDS_PER_ORDER * len(accepted)
    stuck = set(accepted)
    while stuck and time.monotonic() < deadline:
        for order_id in sorted(stuck):
            state = (await http.get(f"{ORDERS}/{order_id}")).json()["state"]
            if state not in WAITING:
                stuck.discard(order_id)
        await asyncio.sleep(0.5)
    assert not stuck, f"orders accepted but never planned: {sorted(stuck)}"
