"""After an order completes, the API's and the worker's /metrics show it, by exact amounts."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

import httpx
import pytest

from activities.southbound.contract import ACTIVITY_NAMES
from tests.auth import broad_headers
from tests.helpers import ORDERS, wait_for_state
from tests.operability.stack import Stack, scrape, stack, value
from tests.sample_orders import sample_order

__all__ = ["stack"]

OFFERING = "dsl-broadband"
ORDER_ROUTE = "/tmf-api/productOrderingManagement/v4/productOrder"


async def test_a_completed_order_moves_the_counters_by_exactly_its_facts(stack: Stack) -> None:
    api_before, worker_before = scrape(stack.api.base_url), scrape(stack.worker_url)
    async with httpx.AsyncClient(
        base_url=stack.api.base_url, timeout=30, headers=broad_headers()
    ) as http:
        workforce = "/ops/v1/simulators/field-workforce"
        await http.put(workforce, json={"autoComplete": True, "latencyMs": 100})
        try:
            body = sample_order(OFFERING, customer=f"metrics-{uuid.uuid4()}")
            created = await http.post(ORDERS, json=body)
            assert created.status_code == 201
            order = await wait_for_state(http, created.json()["id"], timeout=90)
        finally:
            await http.put(workforce, json={"autoComplete": False, "latencyMs": 0})
        plan = (await http.get(f"/ops/v1/orders/{order['id']}/plan")).json()
    assert order["state"] == "completed"
    api_after, worker_after = scrape(stack.api.base_url), scrape(stack.worker_url)

    def api_moved(name: str, **labels: str) -> float:
        return value(api_after, name, **labels) - value(api_before, name, **labels)

    def worker_moved(name: str, **labels: str) -> float:
        return value(worker_after, name, **labels) - value(worker_before, name, **labels)

    assert api_moved("tessera_orders_accepted_total", offering=OFFERING, channel="web") == 1
    post = {"route": ORDER_ROUTE, "method": "POST"}
    assert api_moved("tessera_http_requests_total", status="201", **post) == 1
    assert api_moved("tessera_http_request_duration_seconds_count", **post) == 1

    closed = {"offering": OFFERING, "channel": "web"}
    assert worker_moved("tessera_orders_closed_total", state="completed", **closed) == 1
    assert worker_moved("tessera_orders_closed_total", state="failed", **closed) == 0
    assert worker_moved("tessera_order_cycle_time_seconds_count", offering=OFFERING) == 1
    took = datetime.fromisoformat(order["completionDate"]) - datetime.fromisoformat(
        order["orderDate"]
    )
    cycle = worker_moved("tessera_order_cycle_time_seconds_sum", offering=OFFERING)
    assert cycle == pytest.approx(took.total_seconds(), abs=0.01)

    # One successful call per system task of the plan, none anywhere else.
    calls = Counter(t["activity"] for t in plan["tasks"] if t.get("activity") in ACTIVITY_NAMES)
    assert calls, "the sample order should call southbound systems"
    for activity in ACTIVITY_NAMES:
        system, operation = activity.split(".", 1)
        where = {"system": system, "operation": operation}
        moved = worker_moved("tessera_southbound_calls_total", outcome="success", **where)
        assert moved == calls[activity], activity
        assert (
            worker_moved("tessera_southbound_call_duration_seconds_count", **where)
            == (calls[activity])
        )
    # The Temporal SDK's own worker metrics are on the same page.
    assert any(name.startswith("temporal_") for name, _ in worker_after)
