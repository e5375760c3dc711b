"""An order too big for one workflow is refused with the reason, not accepted and then stuck."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from config.settings import get_settings
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order


@contextmanager
def setting(name: str, value: str) -> Iterator[None]:
    """A setting of the worker running in this process, for the duration of a test."""
    before = os.environ.get(name)
    os.environ[name] = value
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before
        get_settings.cache_clear()


async def test_an_order_past_the_item_limit_is_refused_and_not_stored(
    http: httpx.AsyncClient,
) -> None:
    marker = f"too-many-{uuid.uuid4()}"
    body = sample_order("handset-nova-x5", externalId=marker)
    [handset] = body["productOrderItem"]
    limit = get_settings().order_max_items
    body["productOrderItem"] = [{**handset, "id": str(n)} for n in range(limit + 1)]

    response = await http.post(ORDERS, json=body)

    assert response.status_code == 422, response.text
    error = response.json()
    assert (error["code"], error["status"]) == ("TooManyItems", "422")
    assert str(limit) in error["reason"] and str(limit + 1) in error["reason"]
    assert (await http.get(ORDERS, params={"externalId": marker})).json() == []


async def test_an_order_whose_plan_is_too_large_is_rejected_with_the_reason(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("triple-play")  # one item, more than five fulfilment tasks

    with setting("ORDER_MAX_TASKS", "5"):
        created = await http.post(ORDERS, json=body)
        assert created.status_code == 201, created.text
        rejected = await wait_for_state(http, created.json()["id"])

    assert rejected["state"] == "rejected"
    [error] = rejected["errorMessage"]
    assert error["code"] == "OrderTooLarge"
    assert "at most 5" in error["reason"]
