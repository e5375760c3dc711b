"""Activities of event delivery: read the outbox in order, POST to a hub listener, send courtesy
notifications, and record dead letters.

Every activity is idempotent: the outbox is only read; a delivery's row is keyed by (consumer,
event) and upserted; listeners de-duplicate by eventId; notifications are unique per event and
channel. Secrets and event bodies stay in the store: workflow histories carry only references.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.callback_targets import refusal_of
from activities.notifications import current_config, get_notifier, plan_notifications
from config.settings import get_settings
from observability.logs import get_logger
from store import hub
from store.event_tables import OrderEventRecord
from store.hub_tables import DeliveryState

log = get_logger(__name__)

SIGNATURE_HEADER = "X-Tessera-Signature"
EVENT_ID_HEADER = "X-Tessera-Event-Id"
SUBSCRIPTION_HEADER = "X-Tessera-Subscription-Id"
# Error types the workflow's retry policy tells apart.
LISTENER_UNAVAILABLE = "ListenerUnavailable"  # retried with backoff
LISTENER_REJECTED = "ListenerRejected"  # not retried: straight to the dead letters
# Answers that mean the listener will never take this event as it is (the rest are retried).
PERMANENT_STATUSES = frozenset({400, 410, 413, 415, 422})
# A missing seq below newer ones is usually a transaction still committing (PostgreSQL assigns
# seqs at insert, not at commit): wait for it this long before treating it as rolled back.
GAP_GRACE_SECONDS = 5.0
COURTESY_CONSUMER_ID = "courtesy-notifications"


class ConsumerKind(StrEnum):
    WEBHOOK = "webhook"  # a hub subscription; id = the subscription id
    COURTESY = "courtesy"  # the courtesy notifications


class Consumer(BaseModel):
    kind: ConsumerKind
    id: str


class EventRef(BaseModel):
    """An outbox event by reference (the body stays in the store)."""

    seq: int
    event_id: str
    order_id: str
    event_type: str


class NextEventsInput(BaseModel):
    consumer: Consumer
    after_seq: int
    # Long poll: wait up to this long for a matching event (heartbeating meanwhile).
    wait_seconds: float
    limit: int = 200


class EventBatch(BaseModel):
    events: list[EventRef]
    # Every outbox event up to here has been seen (matched or not).
    cursor: int
    consumer_gone: bool = False


class DeliverEventInput(BaseModel):
    consumer: Consumer
    event: EventRef


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # the subscription was deleted meanwhile


class GiveUpInput(BaseModel):
    consumer: Consumer
    event: EventRef
    error: str


def _ref(record: OrderEventRecord) -> EventRef:
    assert record.seq is not None
    return EventRef(
        seq=record.seq,
        event_id=record.event_id,
        order_id=record.order_id,
        event_type=record.event_type,
    )


def _delivered_event(input: DeliverEventInput | GiveUpInput) -> hub.DeliveredEvent:
    e = input.event
    return hub.DeliveredEvent(input.consumer.id, e.seq, e.event_id, e.order_id, e.event_type)


def _selector(consumer: Consumer) -> Callable[[dict[str, Any]], bool] | None:
    """What the consumer wants; None if it no longer exists."""
    if consumer.kind == ConsumerKind.COURTESY:
        config = current_config()
        return lambda body: bool(plan_notifications(config, body))
    subscription = hub.get_subscription(consumer.id)
    if subscription is None:
        return None
    return hub.EventQuery.parse(subscription.query).matches


def settled_events(
    rows: list[OrderEventRecord], cursor: int, gaps: dict[int, float], now: float
) -> tuple[list[OrderEventRecord], int]:
    """The rows that follow the cursor without a gap younger than GAP_GRACE_SECONDS, and the new
    cursor. `gaps` remembers when each gap (by its first missing seq) was first seen."""
    settled: list[OrderEventRecord] = []
    expected = cursor + 1
    for row in rows:
        assert row.seq is not None
        if row.seq > expected and now - gaps.setdefault(expected, now) < GAP_GRACE_SECONDS:
            break
        settled.append(row)
        expected = row.seq + 1
    return settled, expected - 1


@activity.defn(name="events.next_batch")
async def next_events(input: NextEventsInput) -> EventBatch:
    """The next outbox events the consumer wants, in outbox order (long poll)."""
    poll = get_settings().hub_poll_interval_seconds
    deadline = time.monotonic() + input.wait_seconds
    cursor = input.after_seq
    gaps: dict[int, float] = {}
    while True:
        select = await asyncio.to_thread(_selector, input.consumer)
        if select is None:
            return EventBatch(events=[], cursor=cursor, consumer_gone=True)
        rows = await asyncio.to_thread(hub.events_after, cursor, input.limit)
        settled, cursor = settled_events(rows, cursor, gaps, time.monotonic())
        matched = [_ref(r) for r in settled if select(r.body)]
        if matched or time.monotonic() >= deadline:
            return EventBatch(events=matched, cursor=cursor)
        activity.heartbeat(cursor)
        await asyncio.sleep(poll)


def sign(body: bytes, secret: str) -> str:
    """The X-Tessera-Signature value: `sha256=` and the hex HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@activity.defn(name="hub.deliver")
async def deliver_to_listener(input: DeliverEventInput) -> DeliveryOutcome:
    """POST one event to a hub listener; raises (to be retried) unless the listener took it."""
    settings = get_settings()
    subscription = await asyncio.to_thread(hub.get_subscription, input.consumer.id)
    if subscription is None:
        await asyncio.to_thread(hub.end_deliveries, input.consumer.id)
        return DeliveryOutcome.SKIPPED
    record = await asyncio.to_thread(hub.event_by_seq, input.event.seq)
    if record is None:
        raise ApplicationError(f"event {input.event.seq} is not in the outbox", non_retryable=True)
    body = json.dumps(record.body, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: record.event_id,
        SUBSCRIPTION_HEADER: subscription.id,
    }
    if subscription.secret:
        headers[SIGNATURE_HEADER] = sign(body, subscription.secret)
    attempt = activity.info().attempt
    delivered = _delivered_event(input)
    # Checked again at each delivery: the callback's name may resolve elsewhere by now.
    refusal = await asyncio.to_thread(refusal_of, subscription.callback, settings)
    if refusal is not None:
        await asyncio.to_thread(
            hub.record_delivery, delivered, DeliveryState.DELIVERING, attempt, refusal
        )
        raise ApplicationError(refusal, type=LISTENER_REJECTED, non_retryable=True)
    try:
        # Redirects are not followed: a listener cannot send the platform's POST elsewhere.
        async with httpx.AsyncClient(
            timeout=settings.hub_http_timeout_seconds, follow_redirects=False
        ) as client:
            response = await client.post(subscription.callback, content=body, headers=headers)
    except httpx.HTTPError as err:
        error = f"listener unreachable: {type(err).__name__}: {err}"
        await asyncio.to_thread(
            hub.record_delivery, delivered, DeliveryState.DELIVERING, attempt, error
        )
        raise ApplicationError(error, type=LISTENER_UNAVAILABLE) from None
    if response.is_success:
        await asyncio.to_thread(hub.record_delivery, delivered, DeliveryState.DELIVERED, attempt)
        return DeliveryOutcome.DELIVERED
    error = f"listener answered {response.status_code}"
    await asyncio.to_thread(
        hub.record_delivery, delivered, DeliveryState.DELIVERING, attempt, error
    )
    if response.status_code in PERMANENT_STATUSES:
        raise ApplicationError(error, type=LISTENER_REJECTED, non_retryable=True)
    raise ApplicationError(error, type=LISTENER_UNAVAILABLE)


@activity.defn(name="notifications.send")
def send_courtesy_notifications(input: DeliverEventInput) -> DeliveryOutcome:
    """Send the notifications an event causes (the simulator keeps each one once)."""
    record = hub.event_by_seq(input.event.seq)
    if record is None:
        raise ApplicationError(f"event {input.event.seq} is not in the outbox", non_retryable=True)
    notifier = get_notifier()
    for planned in plan_notifications(current_config(), record.body):
        sent = notifier.send(record.event_id, record.order_id, planned)
        log.info(
            "courtesy notification",
            order_id=record.order_id,
            notification=planned.notification,
            channel=planned.channel.value,
            sent=sent,
        )
    hub.record_delivery(_delivered_event(input), DeliveryState.DELIVERED, activity.info().attempt)
    return DeliveryOutcome.DELIVERED


@activity.defn(name="events.give_up")
def record_dead_letter(input: GiveUpInput) -> None:
    """The delivery is given up: keep it as a dead letter, replayable."""
    hub.record_delivery(
        _delivered_event(input), DeliveryState.DEAD, activity.info().attempt, input.error
    )
    log.warning(
        "delivery given up",
        consumer=input.consumer.id,
        order_id=input.event.order_id,
        event_id=input.event.event_id,
        error=input.error,
    )


def event_delivery_activities() -> list[Callable[..., Any]]:
    return [next_events, deliver_to_listener, send_courtesy_notifications, record_dead_letter]
