"""The event hub's store: subscriptions and their queries, outbox reads, deliveries and dead
letters, and the courtesy notifications the simulator sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import session_scope
from store.event_bodies import whole_bodies
from store.event_tables import OrderEventRecord
from store.hub_tables import (
    CourtesyNotificationRecord,
    DeliveryState,
    EventDeliveryRecord,
    HubSubscriptionRecord,
)
from tmf.events import EventType

# The top-level fields of a TMF event body a query may filter on.
QUERYABLE_ROOTS = frozenset(
    {
        "eventId",
        "eventTime",
        "eventType",
        "correlationId",
        "domain",
        "title",
        "priority",
        "description",
        "actor",
        "detail",
        "event",
    }
)
KNOWN_EVENT_TYPES = frozenset(t.value for t in EventType)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- queries ---------------------------------------------------------------------------------


class InvalidEventQueryError(ValueError):
    pass


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _values_at(node: Any, path: list[str]) -> list[Any]:
    """Every value at a dotted path; a list on the way matches through any of its elements."""
    if isinstance(node, list):
        return [v for element in node for v in _values_at(element, path)]
    if not path:
        return [node]
    if not isinstance(node, Mapping) or path[0] not in node:
        return []
    return _values_at(node[path[0]], path[1:])


@dataclass(frozen=True)
class EventQuery:
    """A subscription's `query`: `name=value` terms joined by `&`, all of which must hold.

    `name` is a dotted path into the TMF event body (`eventType`, `event.productOrder.state`,
    `detail.milestone`, ...); `value` may list alternatives separated by commas (TMF style).
    The empty query matches every event.
    """

    terms: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def parse(cls, raw: str | None) -> EventQuery:
        if not raw or not raw.strip():
            return cls()
        try:
            pairs = parse_qsl(raw.strip(), keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise InvalidEventQueryError(
                f"query '{raw}' is not a list of name=value terms joined by '&'"
            ) from None
        terms: list[tuple[str, frozenset[str]]] = []
        for name, value in pairs:
            path = name.split(".")
            if path[0] not in QUERYABLE_ROOTS or any(not part for part in path):
                raise InvalidEventQueryError(
                    f"'{name}' is not a field of an event; use one of {sorted(QUERYABLE_ROOTS)}"
                )
            values = frozenset(v.strip() for v in value.split(",") if v.strip())
            if not values:
                raise InvalidEventQueryError(f"'{name}' has no value")
            if name == "eventType" and not values <= KNOWN_EVENT_TYPES:
                unknown = sorted(values - KNOWN_EVENT_TYPES)
                raise InvalidEventQueryError(f"unknown eventType {unknown}")
            terms.append((name, values))
        return cls(tuple(terms))

    def matches(self, body: Mapping[str, Any]) -> bool:
        return all(
            any(_as_text(v) in accepted for v in _values_at(body, name.split(".")))
            for name, accepted in self.terms
        )


# -- subscriptions ---------------------------------------------------------------------------


def create_subscription(callback: str, query: str, secret: str | None) -> HubSubscriptionRecord:
    record = HubSubscriptionRecord(
        id=str(uuid.uuid4()), callback=callback, query=query, secret=secret, created_at=utc_now()
    )
    with session_scope() as session:
        session.add(record)
    return record


def get_subscription(subscription_id: str) -> HubSubscriptionRecord | None:
    """The subscription, unless unknown or deleted."""
    with session_scope() as session:
        record = session.get(HubSubscriptionRecord, subscription_id)
        return None if record is None or record.deleted_at is not None else record


def delete_subscription(subscription_id: str) -> bool:
    with session_scope() as session:
        record = session.get(HubSubscriptionRecord, subscription_id)
        if record is None or record.deleted_at is not None:
            return False
        record.deleted_at = utc_now()
        session.add(record)
        _end_deliveries(session, subscription_id)
        return True


def _deleted(session: Session, consumer_id: str) -> bool:
    subscription = session.get(HubSubscriptionRecord, consumer_id)
    return subscription is not None and subscription.deleted_at is not None


def end_deliveries(consumer_id: str) -> None:
    """A deleted subscription's deliveries under way end (an attempt in flight at the deletion
    may record one after it: the next attempt, finding no subscription, ends it here)."""
    with session_scope() as session:
        _end_deliveries(session, consumer_id)


def _end_deliveries(session: Session, consumer_id: str) -> None:
    now = utc_now()
    unfinished = select(EventDeliveryRecord).where(
        EventDeliveryRecord.consumer_id == consumer_id,
        col(EventDeliveryRecord.state).in_(DeliveryState.UNFINISHED),
    )
    for record in session.exec(unfinished).all():
        record.state = DeliveryState.CANCELLED
        record.last_error = "the subscription was deleted"
        record.updated_at = now
        session.add(record)


def forget_subscription(subscription_id: str) -> None:
    """Undo a subscription whose delivery workflow could not be started (the client got 503)."""
    with session_scope() as session:
        record = session.get(HubSubscriptionRecord, subscription_id)
        if record is not None:
            session.delete(record)


# -- the outbox, read in order ---------------------------------------------------------------


def latest_event_seq() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.max(OrderEventRecord.seq))).one() or 0)


def events_after(after_seq: int, limit: int) -> list[OrderEventRecord]:
    with session_scope() as session:
        query = (
            select(OrderEventRecord)
            .where(col(OrderEventRecord.seq) > after_seq)
            .order_by(col(OrderEventRecord.seq))
            .limit(limit)
        )
        records = list(session.exec(query).all())
        whole_bodies(session, records)
        return records


def event_by_seq(seq: int) -> OrderEventRecord | None:
    with session_scope() as session:
        record = session.get(OrderEventRecord, seq)
        if record is not None:
            whole_bodies(session, [record])
        return record


# -- deliveries and dead letters -------------------------------------------------------------


def delivery_id(consumer_id: str, event_id: str) -> str:
    """Stable, so that every activity retry writes the same row."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:delivery:{consumer_id}:{event_id}"))


@dataclass(frozen=True)
class DeliveredEvent:
    consumer_id: str
    seq: int
    event_id: str
    order_id: str
    event_type: str


_ENDED_BY_DELETION = (DeliveryState.DELIVERING, DeliveryState.DEAD)


def record_delivery(
    event: DeliveredEvent, state: str, attempt: int, error: str | None = None
) -> EventDeliveryRecord:
    """Upsert the delivery's state; safe to repeat (an activity retry writes the same row)."""
    now = utc_now()
    key = delivery_id(event.consumer_id, event.event_id)
    for _ in range(2):  # a concurrent first insert of the same row: update it instead
        try:
            with session_scope() as session:
                record = session.get(EventDeliveryRecord, key, with_for_update=True)
                if record is None:
                    record = EventDeliveryRecord(
                        id=key,
                        consumer_id=event.consumer_id,
                        event_seq=event.seq,
                        event_id=event.event_id,
                        order_id=event.order_id,
                        event_type=event.event_type,
                        state=state,
                        created_at=now,
                        updated_at=now,
                    )
                if state in _ENDED_BY_DELETION and _deleted(session, event.consumer_id):
                    # An attempt in flight when its subscription was deleted (still retrying, or
                    # giving up): it ends here, not as a dead letter nobody can replay.
                    state, error = DeliveryState.CANCELLED, "the subscription was deleted"
                record.state = state
                record.attempts = max(record.attempts, attempt)
                record.last_error = error[:2000] if error else record.last_error
                record.updated_at = now
                if state == DeliveryState.DELIVERED:
                    record.delivered_at = now
                session.add(record)
                return record
        except IntegrityError:
            continue
    raise RuntimeError(f"could not record delivery {key}")


def get_delivery(delivery: str) -> EventDeliveryRecord | None:
    with session_scope() as session:
        return session.get(EventDeliveryRecord, delivery)


def mark_replaying(delivery: str) -> EventDeliveryRecord | None:
    """Move a dead letter to `replaying`; None if it is not (or no longer) dead."""
    with session_scope() as session:
        record = session.get(EventDeliveryRecord, delivery, with_for_update=True)
        if record is None or record.state != DeliveryState.DEAD:
            return None
        record.state = DeliveryState.REPLAYING
        record.updated_at = utc_now()
        session.add(record)
        return record


def set_delivery_state(delivery: str, state: str) -> None:
    with session_scope() as session:
        record = session.get(EventDeliveryRecord, delivery)
        if record is not None:
            record.state = state
            record.updated_at = utc_now()
            session.add(record)


@dataclass(frozen=True)
class DeliveryFilter:
    state: str | None = None
    consumer_id: str | None = None
    order_id: str | None = None


def list_deliveries(
    flt: DeliveryFilter, offset: int, limit: int
) -> tuple[list[EventDeliveryRecord], int]:
    """Deliveries matching every filter, oldest event first, and the total before paging."""
    query = select(EventDeliveryRecord)
    if flt.state is not None:
        query = query.where(EventDeliveryRecord.state == flt.state)
    if flt.consumer_id is not None:
        query = query.where(EventDeliveryRecord.consumer_id == flt.consumer_id)
    if flt.order_id is not None:
        query = query.where(EventDeliveryRecord.order_id == flt.order_id)
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        page = session.exec(
            query.order_by(col(EventDeliveryRecord.event_seq), col(EventDeliveryRecord.id))
            .offset(offset)
            .limit(limit)
        ).all()
        return list(page), int(total)


# -- courtesy notifications ------------------------------------------------------------------


def record_notification(notification: CourtesyNotificationRecord) -> bool:
    """Record a notification unless this event already notified on this channel."""
    try:
        with session_scope() as session:
            exists = session.exec(
                select(CourtesyNotificationRecord.id)
                .where(CourtesyNotificationRecord.event_id == notification.event_id)
                .where(CourtesyNotificationRecord.channel == notification.channel)
            ).first()
            if exists is not None:
                return False
            session.add(notification)
            return True
    except IntegrityError:  # the same notification, recorded concurrently
        return False


def notifications_for(order_id: str) -> list[CourtesyNotificationRecord]:
    with session_scope() as session:
        query = (
            select(CourtesyNotificationRecord)
            .where(CourtesyNotificationRecord.order_id == order_id)
            .order_by(col(CourtesyNotificationRecord.id))
        )
        return list(session.exec(query).all())
