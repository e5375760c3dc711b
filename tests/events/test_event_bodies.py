"""Outbox bodies that share their order (issue 24, store/event_bodies.py): one snapshot write
stores the order once, and every reader still gets each event whole."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from store import hub, orders
from store.db import session_scope
from store.event_tables import OrderEventRecord
from tests.helpers import stored_order
from tmf.events import EventType, OrderEvent, tmf_event
from tmf.product_order import OrderState, ProductOrder

WHEN = datetime(2031, 5, 1, 9, tzinfo=UTC)


def _order() -> ProductOrder:
    return stored_order("ev", WHEN)


def _event(title: str) -> OrderEvent:
    return OrderEvent(
        event_id=str(uuid.uuid4()),
        event_type=EventType.ORDER_MILESTONE,
        event_time=WHEN,
        title=title,
        detail={"milestone": title},
    )


def test_one_write_stores_its_order_once_and_readers_get_every_event_whole() -> None:
    order = _order()
    events = [_event(f"milestone {n}") for n in range(3)]
    assert orders.save_order(order, 1, events)
    later = order.model_copy(update={"state": OrderState.COMPLETED})
    last = [_event("done")]
    assert orders.save_order(later, 2, last)

    with session_scope() as session:
        stored = session.exec(
            select(OrderEventRecord)
            .where(OrderEventRecord.order_id == order.id)
            .order_by(col(OrderEventRecord.seq))
        ).all()
        raw = [dict(r.body) for r in stored]
    assert raw[0]["event"]["productOrder"]["id"] == order.id
    assert [r["event"]["productOrder"] for r in raw[1:3]] == [{"@sameAs": events[0].event_id}] * 2
    assert raw[3]["event"]["productOrder"]["state"] == "completed"  # its own write's holder

    expected = [tmf_event(e, order.id, order.to_tmf()) for e in events]
    expected.append(tmf_event(last[0], order.id, later.to_tmf()))
    assert [r.body for r in orders.order_events(order.id)] == expected
    seqs = [r.seq for r in orders.order_events(order.id)]
    assert seqs[0] is not None
    after = hub.events_after(seqs[0], 100)  # the holder is not in the batch: read for it
    assert [r.body for r in after if r.order_id == order.id] == expected[1:]
    assert seqs[2] is not None
    one = hub.event_by_seq(seqs[2])
    assert one is not None and one.body == expected[2]
    # Reading gave whole bodies without writing them back.
    with session_scope() as session:
        row = session.exec(
            select(OrderEventRecord).where(OrderEventRecord.event_id == events[2].event_id)
        ).one()
        assert row.body["event"]["productOrder"] == {"@sameAs": events[0].event_id}
