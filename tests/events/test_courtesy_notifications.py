"""Courtesy notifications (config/notifications.yaml): priority and gold-tier customers are told
about their order's key moments, once per event and channel; other customers are not."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from temporalio.client import Client

from activities.event_delivery import COURTESY_CONSUMER_ID
from config.settings import get_settings
from store import hub
from tests.helpers import ORDERS, eventually, wait_for_state
from tests.sample_orders import sample_order
from workflows.event_delivery import DeliveryProgress

# What config/notifications.yaml promises for a handset order (no technician, no activation).
HANDSET_NOTIFICATIONS = {
    ("orderAccepted", "email"),
    ("orderAccepted", "sms"),
    ("shipped", "sms"),  # the catalog's `delivered` milestone
    ("completed", "email"),
}


async def place(http: httpx.AsyncClient, tier: str | None = None, **extra: str) -> str:
    body = sample_order("handset-nova-x5", customer=f"courtesy-{uuid.uuid4().hex[:8]}", **extra)
    if tier is not None:
        body["relatedParty"][0]["tier"] = tier
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def sent(order_id: str) -> list[tuple[str, str]]:
    records = await asyncio.to_thread(hub.notifications_for, order_id)
    return [(r.notification, r.channel) for r in records]


async def test_priority_and_gold_customers_are_notified_normal_ones_are_not(
    hub_http: httpx.AsyncClient, client: Client
) -> None:
    normal = await place(hub_http, priority="3")
    silver = await place(hub_http, tier="silver")
    urgent = await place(hub_http, priority="1")
    gold = await place(hub_http, tier="Gold")
    for order_id in (normal, silver, urgent, gold):
        assert (await wait_for_state(hub_http, order_id, timeout=45))["state"] == "completed"

    for order_id in (urgent, gold):

        async def complete(order_id: str = order_id) -> list[tuple[str, str]] | None:
            got = await sent(order_id)
            return got if set(got) >= HANDSET_NOTIFICATIONS else None

        got = await eventually(complete, what=f"courtesy notifications of {order_id}")
        assert sorted(got) == sorted(HANDSET_NOTIFICATIONS)  # each exactly once

    # Once the courtesy workflow has read past the normal orders' events, none can come.
    histories = [
        (await hub_http.get(f"/ops/v1/orders/{order_id}/history")).json()
        for order_id in (normal, silver)
    ]
    last_seq = max(entry["sequence"] for history in histories for entry in history)
    handle = client.get_workflow_handle(COURTESY_CONSUMER_ID)

    async def read_past() -> bool:
        progress = await handle.query("progress", result_type=DeliveryProgress)
        return progress.cursor >= last_seq and progress.pending == 0

    # The workflow learns its new cursor only when an outbox read returns: at once with an event
    # for it, else when the read's long poll (30 s) ends. The read running now ends within one
    # long poll; if it ends with a later event of the urgent or gold order, the next read may
    # take another.
    read_window = get_settings().hub_long_poll_seconds
    await eventually(
        read_past,
        timeout=2 * read_window + 15,
        what="the courtesy workflow to read past the normal orders",
    )
    assert await sent(normal) == []
    assert await sent(silver) == []
    records = await asyncio.to_thread(hub.notifications_for, urgent)
    assert all(r.order_id in r.message for r in records)
