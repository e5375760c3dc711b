"""A PONR override is in the name of the fulfillment manager whose token made it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from tests.conftest import AsClient
from tests.helpers import ORDERS, eventually
from tests.sample_orders import sample_order


async def test_a_ponr_override_records_the_managers_subject_and_role(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    body = sample_order("fiber-broadband", f"ponr-{uuid.uuid4()}", start_in=timedelta(hours=1))
    order_id = (await http.post(ORDERS, json=body)).json()["id"]

    async def planned() -> bool:
        answer = await http.get(f"/ops/v1/orders/{order_id}/plan")
        return answer.status_code == 200 and bool(answer.json()["tasks"])

    await eventually(planned, timeout=60, what="the order's plan")
    fiona = http_as("fulfillment-manager", subject="fiona")
    override = f"/ops/v1/orders/{order_id}/ponr-override"

    in_another_name = await fiona.post(
        override, json={"itemId": "1", "actor": "the-boss", "reason": "customer asked"}
    )
    assert in_another_name.status_code == 403
    agent = http_as("fulfillment-agent", subject="felix")
    not_allowed = await agent.post(override, json={"itemId": "1", "reason": "customer asked"})
    assert not_allowed.status_code == 403

    done = await fiona.post(override, json={"itemId": "1", "reason": "customer asked"})
    assert done.status_code == 200, done.text
    history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
    [entry] = [e for e in history if "overridden" in (e["title"] or "")]
    assert (entry["actor"], entry["actorRole"], entry["reason"]) == (
        "fiona",
        "fulfillment-manager",
        "customer asked",
    )
