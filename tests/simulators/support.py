"""Helpers of the simulator tests: requests with fresh ids, activities run as Temporal runs them."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.registry import southbound_activity_map

ACTIVITIES = southbound_activity_map()


def new_order_id() -> str:
    return f"ord-{uuid.uuid4().hex[:12]}"


def make_request(
    order_id: str,
    task_id: str,
    item_id: str = "1",
    key: str | None = None,
    compensates: str | None = None,
    **params: Any,
) -> SouthboundRequest:
    return SouthboundRequest(
        idempotency_key=key or f"{order_id}/{task_id}/{uuid.uuid4().hex[:8]}",
        order_id=order_id,
        item_id=item_id,
        task_id=task_id,
        params=params,
        compensates=compensates,
    )


def run(name: str, request: SouthboundRequest) -> SouthboundResult:
    """Run the activity registered under `name` in a Temporal activity context."""
    if name == "portability.port_in" and "portingPin" not in request.params:
        # The catalog's port-in always carries the customer's PIN; the donor refuses a call without.
        request = request.model_copy(update={"params": {**request.params, "portingPin": "1234"}})
    result = ActivityEnvironment().run(ACTIVITIES[name], request)
    assert isinstance(result, SouthboundResult)
    return result
