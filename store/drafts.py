"""Draft orders: stored, edited and priced without a workflow, then submitted into admission.

A draft is a row of the order projection in state `draft` with no admission row, so nothing
starts it. Its submit changes the row and adds the admission row in one transaction: from then
on it is an order like any POSTed one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from store import stock
from store.db import session_scope
from store.order_tables import ClosedOrderPlan, OrderAdmission, OrderParty, ProductOrderRecord
from store.orders import _naive_utc
from store.reviews import DuplicateScreen, screened
from tmf.product_order import OrderState, ProductOrder


class DraftClosed(Exception):
    """The order is no longer a draft (submitted, or expired meanwhile)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def _draft_row(session: Any, order_id: str) -> ProductOrderRecord:
    record = session.get(ProductOrderRecord, order_id, with_for_update=True)
    if record is None or record.state != OrderState.DRAFT.value:
        raise DraftClosed(record.state if record else "missing")
    return record


def _sync_parties(session: Any, order: ProductOrder) -> None:
    wanted = {p.id for p in order.related_party}
    rows = session.exec(select(OrderParty).where(OrderParty.order_id == order.id)).all()
    for row in rows:
        if row.party_id not in wanted:
            session.delete(row)
    for party_id in sorted(wanted - {row.party_id for row in rows}):
        session.add(OrderParty(order_id=order.id, party_id=party_id))


def _write(record: ProductOrderRecord, order: ProductOrder) -> None:
    record.state = order.state.value
    record.customer_id = order.customer_id()
    record.channel = order.channel_name()
    record.external_id = order.external_id
    record.order_date = _naive_utc(order.order_date)
    record.document = order.to_tmf()


def update_draft(order: ProductOrder) -> dict[str, Any]:
    """Store an edited draft; raises DraftClosed if it was submitted or expired meanwhile."""
    with session_scope() as session:
        record = _draft_row(session, order.id)
        _write(record, order)
        session.add(record)
        _sync_parties(session, order)
        return order.to_tmf()


def submit_draft(
    order: ProductOrder, task_queue: str, screen: DuplicateScreen | None = None
) -> ProductOrder:
    """The draft becomes a submitted order waiting in the admission queue, atomically; its
    stock is reserved as a POSTed order's is (OutOfStock refuses the submit), and it is
    screened for duplicates as a POSTed order is (held, or refused), after its row is written."""
    stock.ensure_seeded()
    with session_scope() as session:
        record = _draft_row(session, order.id)
        _write(record, order)
        session.add(record)
        session.flush()
        if screen is not None and (decided := screened(session, order, screen)) is not order:
            order = decided
            _write(record, order)
            session.add(record)
        stock.reserve(session, order.id, order)
        _sync_parties(session, order)
        session.add(
            OrderAdmission(
                order_id=order.id,
                task_queue=task_queue,
                priority=int(order.priority or 4),
                accepted_at=record.order_date,
            )
        )
        return order


def expire_drafts(now: datetime, limit: int = 100) -> list[str]:
    """Mark drafts past their expiration date cancelled; returns their ids."""
    expired: list[str] = []
    with session_scope() as session:
        drafts = session.exec(
            select(ProductOrderRecord).where(
                col(ProductOrderRecord.state) == OrderState.DRAFT.value
            )
        ).all()
        for record in drafts:
            order = ProductOrder.model_validate(record.document)
            if order.draft_expiration_date is None or order.draft_expiration_date > now:
                continue
            expire(session, record, order, now)
            expired.append(order.id)
            if len(expired) >= limit:
                break
    return expired


def expire(session: Any, record: ProductOrderRecord, order: ProductOrder, now: datetime) -> None:
    closed = order.model_copy(
        update={
            "state": OrderState.CANCELLED,
            "cancellation_date": now.astimezone(UTC),
            "cancellation_reason": "Draft expired before it was submitted",
        }
    )
    _write(record, closed)
    session.add(record)
    # A closed order without a plan: plan views answer from the store, not from a workflow.
    session.merge(ClosedOrderPlan(order_id=order.id, execution=None))


def expire_one(order_id: str, now: datetime) -> None:
    with session_scope() as session:
        record = _draft_row(session, order_id)
        expire(session, record, ProductOrder.model_validate(record.document), now)
