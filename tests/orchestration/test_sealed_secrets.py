"""A porting PIN is a secret (catalog `secret: true`): the order, its events and its workflows'
histories hold only a reference; the number-portability system gets the PIN itself; the store
forgets it when the order closes."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import select
from temporalio.client import Client

from store import orders, secrets
from store.db import session_scope
from store.event_tables import OrderEventRecord
from store.simulators import effects_for
from tests.helpers import ORDERS, order_histories_text, wait_for_state, with_characteristic
from tests.sample_orders import sample_order

PIN = "80417263"  # appears nowhere else in the suite


def event_bodies(order_id: str) -> list[dict[str, Any]]:
    with session_scope() as session:
        query = select(OrderEventRecord).where(OrderEventRecord.order_id == order_id)
        return [record.body for record in session.exec(query)]


def port_in_order(pin: object, start_in: timedelta = timedelta(seconds=2)) -> dict[str, Any]:
    body = sample_order(
        "mobile-postpaid", customer=f"pin-{uuid.uuid4().hex[:8]}", start_in=start_in
    )
    return with_characteristic(body, "portingPin", pin)


def pin_of(document: dict[str, Any]) -> Any:
    [item] = document["productOrderItem"]
    return next(
        c["value"] for c in item["product"]["productCharacteristic"] if c["name"] == "portingPin"
    )


async def test_the_pin_reaches_the_donor_and_nothing_else(
    http: httpx.AsyncClient, client: Client, workforce: None
) -> None:
    created = await http.post(ORDERS, json=port_in_order(PIN))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    ref = pin_of(created.json())
    assert isinstance(ref, str) and ref.startswith("sealed:")
    assert PIN not in created.text

    done = await wait_for_state(http, order_id, timeout=60)

    # The simulator refuses anything but 4-8 digits: the activity revealed the PIN to it.
    assert done["state"] == "completed", done.get("errorMessage")
    assert pin_of(done) == ref
    histories = await order_histories_text(client, order_id)
    assert ref in histories  # the decoding reads the payloads: the reference is there
    assert PIN not in histories
    events = json.dumps(await asyncio.to_thread(event_bodies, order_id))  # what listeners get
    assert ref in events and PIN not in events
    [port_in] = [e for e in effects_for(order_id) if e.operation == "port_in"]
    assert port_in.request["params"]["portingPin"] == "***"
    assert await asyncio.to_thread(secrets.sealed_of, order_id) == []  # forgotten at the close


async def test_a_bad_or_borrowed_pin_is_refused_and_nothing_is_kept(
    http: httpx.AsyncClient,
) -> None:
    for pin in ("12", "sealed:0123456789abcdef0123456789abcdef", 4321):
        body = port_in_order(pin)
        customer = body["relatedParty"][0]["id"]
        refused = await http.post(ORDERS, json=body)
        assert refused.status_code == 422, (pin, refused.text)
        error = refused.json()
        assert error["code"] == "InvalidBody" and "portingPin" in error["reason"], error
        found, total = orders.list_orders(orders.OrderFilter(party_id=customer), 0, 10)
        assert total == 0 and found == []
    # Information an item waits for is sealed the same way, before it reaches the workflow.
    information = await http.post(
        f"/ops/v1/orders/{uuid.uuid4()}/information",
        json={"itemId": "1", "characteristics": {"portingPin": "12"}},
    )
    assert information.status_code == 422 and "portingPin" in information.json()["reason"]


async def test_an_amended_pin_is_sealed_and_the_old_reference_kept_as_is(
    http: httpx.AsyncClient, client: Client
) -> None:
    # Requested a day ahead, and nobody works the porting check: the port-in (the PONR) waits.
    body = port_in_order(PIN, start_in=timedelta(days=1))
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    order = await wait_for_state(http, created.json()["id"], {"inProgress"})  # planned
    first_ref = pin_of(order)

    items = order["productOrderItem"]
    with_characteristic({"productOrderItem": items}, "portingPin", "55501234")
    amended = await http.patch(f"{ORDERS}/{order['id']}", json={"productOrderItem": items})

    assert amended.status_code == 200, amended.text
    new_ref = pin_of(amended.json())
    assert isinstance(new_ref, str) and new_ref.startswith("sealed:") and new_ref != first_ref
    assert "55501234" not in amended.text
    histories = await order_histories_text(client, order["id"])
    assert new_ref in histories and "55501234" not in histories and PIN not in histories
    # Sending the order's own reference back (as GET shows it) changes nothing.
    again = await http.patch(f"{ORDERS}/{order['id']}", json={"note": [{"text": "same PIN"}]})
    assert again.status_code == 200, again.text
    assert pin_of(again.json()) == new_ref
    cancelled = await http.post(
        f"{ORDERS.rsplit('/', 1)[0]}/cancelProductOrder",
        json={"productOrder": {"id": order["id"]}, "cancellationReason": "test over"},
    )
    assert cancelled.status_code == 201, cancelled.text
    await wait_for_state(http, order["id"], timeout=60)
    assert await asyncio.to_thread(secrets.sealed_of, order["id"]) == []
