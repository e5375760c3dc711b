"""Staggered decomposition of a nested bundle: the broadband child waits for its address, the
mobile child runs; the information names the child item."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from tests.bundle_forms import items
from tests.helpers import ORDERS, wait_for_state
from tests.orchestration.test_staggered import _until
from tests.sample_orders import ADDRESS, order_body


def _children(order: dict) -> dict[str, str]:
    return {c["id"]: c.get("state") for c in order["productOrderItem"][0]["productOrderItem"]}


async def test_a_child_item_waits_for_its_information(
    http: httpx.AsyncClient, workforce: None
) -> None:
    bundle = items("nested")
    broadband = bundle[0]["productOrderItem"][0]
    broadband["product"]["productCharacteristic"] = [
        c
        for c in broadband["product"]["productCharacteristic"]
        if c["name"] != "installationAddress"
    ]
    body = order_body(bundle, customer=f"stagger-{uuid.uuid4()}", start_in=timedelta(seconds=8))
    order_id = (await http.post(ORDERS, json=body)).json()["id"]

    waiting = await _until(http, order_id, lambda o: _children(o).get("1.1") == "pending")
    assert waiting["productOrderItem"][0]["state"] == "pending"  # the bundle waits for it
    # The mobile line does not wait for the broadband's address.
    await _until(http, order_id, lambda o: _children(o).get("1.3") == "completed", timeout=90)

    given = await http.post(
        f"/ops/v1/orders/{order_id}/information",
        json={"itemId": "1.1", "characteristics": {"installationAddress": ADDRESS}},
    )
    assert given.status_code == 200, given.text
    done = await wait_for_state(http, order_id, timeout=120)
    assert done["state"] == "completed", done.get("errorMessage")
    assert set(_children(done).values()) == {"completed"}
