"""Amendments and cancellations at random points of a running order (hypothesis).

Whatever the sequence, once the order settles: every effect was applied once and undone at most
once, only effects that happened were undone, a cancelled order holds nothing in any system, and
a completed one holds exactly what its final version asks for.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.simulators import active_resources, effects_for
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import SAMPLE_ITEMS, sample_order

MERGE_PATCH = {"content-type": "application/merge-patch+json"}
CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
PHONE = {**SAMPLE_ITEMS["handset-nova-x5"][0], "id": "phone"}

actions = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=2.0),
        st.one_of(
            st.tuples(st.just("speed"), st.sampled_from([100, 500, 1000])),
            st.tuples(st.just("add_phone"), st.none()),
            st.tuples(st.just("remove_phone"), st.none()),
            st.tuples(st.just("cancel"), st.none()),
        ),
    ),
    min_size=1,
    max_size=3,
)


def _broadband(speed: int, base: dict[str, Any]) -> dict[str, Any]:
    chars = {c["name"]: c["value"] for c in base["product"]["productCharacteristic"]}
    chars["downloadSpeed"] = speed
    return {
        **base,
        "product": {"productCharacteristic": [{"name": k, "value": v} for k, v in chars.items()]},
    }


async def _scenario(http: httpx.AsyncClient, steps: list[tuple[float, tuple[str, Any]]]) -> None:
    customer = f"random-{uuid.uuid4()}"
    body = sample_order("fiber-broadband", customer=customer, start_in=timedelta(seconds=6))
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    speed, with_phone = 100, False
    for pause, (action, value) in steps:
        await asyncio.sleep(pause)
        if action == "cancel":
            await http.post(CANCEL, json={"productOrder": {"id": order_id}})
            continue
        next_speed = value if action == "speed" else speed
        next_phone = {"add_phone": True, "remove_phone": False}.get(action, with_phone)
        items = [_broadband(next_speed, body["productOrderItem"][0])] + (
            [PHONE] if next_phone else []
        )
        response = await http.patch(
            f"{ORDERS}/{order_id}", json={"productOrderItem": items}, headers=MERGE_PATCH
        )
        # 409: refused (past the point of no return, or the order already closed).
        assert response.status_code in {200, 409}, response.text
        if response.status_code == 200:
            speed, with_phone = next_speed, next_phone

    order = await wait_for_state(http, order_id, timeout=120)
    effects = effects_for(order_id)
    keys = {e.idempotency_key for e in effects}
    undone = Counter(e.compensates for e in effects if e.compensates)
    assert all(n == 1 for n in undone.values()), f"an effect was undone twice: {undone}"
    assert set(undone) <= keys, "an undo for an effect that never happened"
    held = active_resources(order_id)
    if order["state"] == "cancelled":
        assert held == []
        return
    assert order["state"] == "completed", order.get("errorMessage")
    live = {i["id"] for i in order["productOrderItem"] if i["state"] != "cancelled"}
    assert live == ({"1", "phone"} if with_phone else {"1"})
    ports = [r for r in held if r.system == "inventory" and r.kind == "port"]
    assert len(ports) == 1, ports
    inventory = (
        await http.get("/tmf-api/productInventory/v4/product", params={"relatedParty.id": customer})
    ).json()
    owned = {p["productOffering"]["id"] for p in inventory if p["status"] == "active"}
    assert owned == ({"fiber-broadband", "handset-nova-x5"} if with_phone else {"fiber-broadband"})
    speeds = {
        c["value"]
        for p in inventory
        for c in p.get("productCharacteristic", [])
        if c["name"] == "downloadSpeed"
    }
    assert speeds == {speed}


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=actions)
async def test_random_amendments_and_cancellations_leave_one_consistent_result(
    http: httpx.AsyncClient, workforce: None, steps: list[tuple[float, tuple[str, Any]]]
) -> None:
    await _scenario(http, steps)
