"""Outbox bodies that share their order (issue 24).

A TMF event body carries the order as GET showed it when the event happened. Every event of one
snapshot write carries the same order, so the write stores it once: in the first event's body;
each other event's body names that event instead (`{"@sameAs": <event id>}` in place of the
order). Whoever reads bodies from the outbox gets them whole (`whole_bodies`): listeners,
notifications and the history receive exactly what was stored before. Bodies written before
this have their own order and pass through as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from store.event_tables import OrderEventRecord
from tmf.events import OrderEvent, tmf_event
from tmf.product_order import ProductOrder

SAME_AS = "@sameAs"


def same_as(event_id: str) -> dict[str, str]:
    """What an event body holds in place of an order another event of its write holds."""
    return {SAME_AS: event_id}


def _shared(body: dict[str, Any]) -> tuple[str, str] | None:
    """(resource key, holder event id) of a body that names another event's order."""
    for key, resource in (body.get("event") or {}).items():
        if isinstance(resource, dict) and set(resource) == {SAME_AS}:
            return key, str(resource[SAME_AS])
    return None


def whole_bodies(session: Session, records: Sequence[OrderEventRecord]) -> None:
    """Give each record that names another event's order that order (in place; one read for all
    the holders not among the records themselves)."""
    wanted = {ref[1] for r in records if (ref := _shared(r.body)) is not None}
    if not wanted:
        return
    holders: dict[str, Any] = {r.event_id: r.body for r in records if r.event_id in wanted}
    missing = wanted - set(holders)
    if missing:
        for event_id, body in session.exec(
            select(OrderEventRecord.event_id, OrderEventRecord.body).where(
                col(OrderEventRecord.event_id).in_(missing)
            )
        ).all():
            holders[event_id] = body
    for record in records:
        ref = _shared(record.body)
        if ref is None or ref[1] not in holders:
            continue
        key, holder = ref
        resource = (holders[holder].get("event") or {}).get(key)
        # As loaded, not as changed: the stored row keeps its reference.
        set_committed_value(record, "body", {**record.body, "event": {key: resource}})


def add_events(
    session: Session,
    order: ProductOrder,
    events: Sequence[OrderEvent],
    resource: dict[str, Any] | None = None,
) -> None:
    """Outbox rows in the snapshot's transaction; an event already written is not written again.
    Every event of one write carries the same order: the first row holds it, the others name
    that row (issue 24: a 1,000-item order is ~1 MB, and one write can carry hundreds of
    milestone events). `resource`: the order as TMF JSON, when the caller has made it."""
    if not events:
        return
    ids = [e.event_id for e in events]
    known = set(
        session.exec(
            select(OrderEventRecord.event_id).where(col(OrderEventRecord.event_id).in_(ids))
        ).all()
    )
    if resource is None:
        resource = order.to_tmf()
    holder: str | None = None  # the event of this write whose body holds the order
    for event in events:
        if event.event_id in known:
            continue
        body = tmf_event(event, order.id, resource if holder is None else same_as(holder))
        holder = holder or event.event_id
        session.add(
            OrderEventRecord(
                event_id=event.event_id,
                order_id=order.id,
                event_type=event.event_type.value,
                event_time=_naive_utc(event.event_time),
                actor=event.actor,
                reason=event.reason,
                body=body,
            )
        )


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
