"""Reads and writes of the product order projection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from decomposition.secrets import SealedValue
from store import stock
from store.db import session_scope
from store.domain_orders import index_domain_orders
from store.event_bodies import add_events, whole_bodies
from store.event_tables import OrderEventRecord
from store.order_tables import (
    ClosedOrderPlan,
    OrderAdmission,
    OrderParty,
    OrderRequest,
    ProductOrderRecord,
)
from store.plan_rows import PlanRowsWrite, write_plan_rows
from store.reviews import DuplicateScreen, screened
from store.secrets import add_sealed, forget_sealed
from tmf.events import OrderEvent
from tmf.product_order import FINAL_ORDER_STATES, OrderState, ProductOrder


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


JEOPARDY_RANK = {"none": 0, "warning": 1, "critical": 2}


def _jeopardy_rank(order: ProductOrder) -> int:
    """The order's level or its worst task's: the jeopardy list shows late tasks of an order
    that is itself on time."""
    if order.jeopardy is None:
        return 0
    levels = [order.jeopardy.level, *(t.level for t in order.jeopardy.tasks)]
    return max(JEOPARDY_RANK.get(level, 0) for level in levels)


def _closed_at(order: ProductOrder) -> datetime | None:
    if not order.state.is_final:
        return None
    return _naive_utc(order.completion_date or datetime.now(UTC))


def _record_from(
    order: ProductOrder, revision: int, document: dict[str, Any] | None = None
) -> ProductOrderRecord:
    return ProductOrderRecord(
        jeopardy_rank=_jeopardy_rank(order),
        id=order.id,
        state=order.state.value,
        external_id=order.external_id,
        customer_id=order.customer_id(),
        channel=order.channel_name(),
        order_date=_naive_utc(order.order_date),
        closed_at=_closed_at(order),
        revision=revision,
        document=order.to_tmf() if document is None else document,
    )


def external_key_of(order: ProductOrder) -> str | None:
    """The same externalId from the same party identifies the same order."""
    customer = order.customer_id()
    if order.external_id and customer:
        return f"{customer}|{order.external_id}"
    return None


class RequestReusedError(Exception):
    """An idempotency key or externalId replayed with a different request."""

    def __init__(self, which: str, order_id: str) -> None:
        super().__init__(which)
        self.which = which  # "Idempotency-Key" or "externalId"
        self.order_id = order_id


def accept_order(
    order: ProductOrder,
    idempotency_key: str | None,
    task_queue: str,
    sealed: Sequence[SealedValue] = (),
    fingerprint: str | None = None,
    queued: bool = True,
    screen: DuplicateScreen | None = None,
) -> tuple[dict[str, Any], bool]:
    """Record a newly accepted order, waiting to start on `task_queue`, with the secret values
    sealed out of it; if its idempotency key (or its party's externalId) is known, return the
    first order instead, provided `fingerprint` matches the first request's (RequestReusedError
    otherwise).

    Returns the stored TMF document and whether it was created now. A draft is not `queued`:
    it has no admission row until it is submitted (store/drafts.py). A `screen` decides, in the
    same transaction, whether the order is a suspected duplicate (store/reviews.py).
    """
    record = _record_from(order, revision=0)
    record.idempotency_key = idempotency_key
    record.external_key = external_key_of(order)
    stock.ensure_seeded()
    try:
        with session_scope() as session:
            session.add(record)
            session.flush()  # a known key fails here: a replay, never screened as a duplicate
            if screen is not None:
                decided = screened(session, order, screen)
                if decided is not order:
                    order = decided
                    record.state, record.document = order.state.value, order.to_tmf()
                    session.add(record)
            for party_id in sorted({p.id for p in order.related_party}):
                session.add(OrderParty(order_id=order.id, party_id=party_id))
            if queued:
                # Raises OutOfStock, rolling the acceptance back, when a unit is missing.
                stock.reserve(session, order.id, order)
                session.add(
                    OrderAdmission(
                        order_id=order.id,
                        task_queue=task_queue,
                        priority=int(order.priority or 4),
                        accepted_at=record.order_date,
                    )
                )
            if fingerprint is not None:
                session.add(OrderRequest(order_id=order.id, fingerprint=fingerprint))
            add_sealed(session, order.id, sealed)
        return record.document, True
    except IntegrityError:
        existing = find_duplicate(idempotency_key, record.external_key)
        if existing is None:
            raise
        which, document, first_fingerprint = existing
        # An order from before fingerprints were kept answers as it always did.
        if fingerprint is not None and first_fingerprint not in {None, fingerprint}:
            raise RequestReusedError(which, str(document["id"])) from None
        return document, False


def open_orders_of(customer_id: str, since: datetime, limit: int = 200) -> list[dict[str, Any]]:
    """The customer's orders not yet closed, placed since `since`, newest first (duplicate
    checks at capture)."""
    final = [state.value for state in FINAL_ORDER_STATES]
    with session_scope() as session:
        rows = session.exec(
            select(ProductOrderRecord.document)
            .where(ProductOrderRecord.customer_id == customer_id)
            .where(col(ProductOrderRecord.state).not_in(final))
            .where(ProductOrderRecord.order_date >= _naive_utc(since))
            .order_by(col(ProductOrderRecord.order_date).desc())
            .limit(limit)
        ).all()
        return [dict(row) for row in rows]


def find_duplicate(
    idempotency_key: str | None, external_key: str | None
) -> tuple[str, dict[str, Any], str | None] | None:
    """The order holding this key: which key matched, its document, its request's fingerprint."""
    with session_scope() as session:
        for which, column, key in (
            ("Idempotency-Key", ProductOrderRecord.idempotency_key, idempotency_key),
            ("externalId", ProductOrderRecord.external_key, external_key),
        ):
            if key is None:
                continue
            found = session.exec(
                select(ProductOrderRecord, OrderRequest.fingerprint)
                .join(
                    OrderRequest,
                    col(OrderRequest.order_id) == col(ProductOrderRecord.id),
                    isouter=True,
                )
                .where(col(column) == key)
            ).first()
            if found is not None:
                return which, found[0].document, found[1]
    return None


def save_order(
    order: ProductOrder,
    revision: int,
    events: Sequence[OrderEvent] = (),
    execution: dict[str, Any] | None = None,
) -> bool:
    """Write the workflow's snapshot of an order and its events (see `write_order_snapshot`);
    True if written."""
    return write_order_snapshot(order, revision, events, execution).written


@dataclass(frozen=True)
class SnapshotWrite:
    written: bool
    # This write recorded the order's final state for the first time (counted in metrics once).
    closed_now: bool = False


def write_order_snapshot(
    order: ProductOrder,
    revision: int,
    events: Sequence[OrderEvent] = (),
    execution: dict[str, Any] | None = None,
    plan_view: PlanRowsWrite | None = None,
) -> SnapshotWrite:
    """Write the workflow's snapshot of an order and its events, atomically; a snapshot older
    than the stored one is ignored (its events were written with it the first time). The
    snapshot of a closed order carries its plan's `execution` (None if it was never planned);
    a large order's open one the changes to its plan view (store/plan_rows.py)."""
    # The order as TMF JSON once: the row's document and its events' body (issue 24: ~1 MB at
    # 1,000 items, dumped twice per write before).
    document = order.to_tmf()
    with session_scope() as session:
        add_events(session, order, events, document)
        # The stored revision and state, the row locked; not the stored document, which the
        # write replaces (issue 24: a 1,000-item order's ~1 MB parsed at every write).
        stored = session.exec(
            select(ProductOrderRecord.revision, ProductOrderRecord.state)
            .where(col(ProductOrderRecord.id) == order.id)
            .with_for_update()
        ).first()
        was_final = False
        if stored is None:
            # The API's insert is the first write, but the workflow must not depend on it.
            fresh = _record_from(order, revision, document)
            session.add(fresh)
            session.flush()  # the order row first: its parties refer to it
            for party_id in sorted({p.id for p in order.related_party}):
                session.add(OrderParty(order_id=order.id, party_id=party_id))
        elif stored[0] >= revision:
            return SnapshotWrite(written=False)
        else:
            was_final = OrderState(stored[1]).is_final
            fresh = _record_from(order, revision, document)
            session.execute(
                update(ProductOrderRecord)
                .where(col(ProductOrderRecord.id) == order.id)
                .values(
                    state=fresh.state,
                    jeopardy_rank=fresh.jeopardy_rank,
                    closed_at=fresh.closed_at,
                    revision=revision,
                    document=fresh.document,
                )
            )
        # The TMF641/652 lists' index, in the snapshot's transaction: never behind the order.
        index_domain_orders(session, order.id, fresh.document, fresh.order_date, fresh.customer_id)
        stock.release_unneeded(session, order)
        stock.reserve_added(session, order)  # an item an amendment added (issue 25)
        if order.state.is_final:
            session.merge(ClosedOrderPlan(order_id=order.id, execution=execution))
            forget_sealed(session, order.id)  # nothing will run that needs them
        if plan_view is not None:  # closing: only an order that kept rows keeps its final ones
            write_plan_rows(session, order.id, plan_view, only_if_kept=order.state.is_final)
        return SnapshotWrite(written=True, closed_now=order.state.is_final and not was_final)


def closed_order_plan(order_id: str) -> tuple[str, dict[str, Any] | None] | None:
    """A closed order's state and plan execution, or None while the order is open."""
    with session_scope() as session:
        row = session.exec(
            select(ProductOrderRecord.state, ClosedOrderPlan.execution)
            .join(ClosedOrderPlan, col(ClosedOrderPlan.order_id) == col(ProductOrderRecord.id))
            .where(ProductOrderRecord.id == order_id)
        ).first()
        if row is None:
            return None
        state, execution = row
        return state, None if execution is None else dict(execution)


def get_order(order_id: str) -> dict[str, Any] | None:
    with session_scope() as session:
        record = session.get(ProductOrderRecord, order_id)
        return None if record is None else record.document


@dataclass(frozen=True)
class OrderFilter:
    id: str | None = None
    state: str | None = None
    external_id: str | None = None
    party_id: str | None = None
    customer_id: str | None = None
    order_date: datetime | None = None
    order_date_gt: datetime | None = None
    order_date_gte: datetime | None = None
    order_date_lt: datetime | None = None
    order_date_lte: datetime | None = None


def list_orders(flt: OrderFilter, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Orders matching every filter (AND), newest first, and the total count before paging."""
    query = select(ProductOrderRecord)
    if flt.id is not None:
        query = query.where(ProductOrderRecord.id == flt.id)
    if flt.state is not None:
        query = query.where(ProductOrderRecord.state == flt.state)
    if flt.external_id is not None:
        query = query.where(ProductOrderRecord.external_id == flt.external_id)
    if flt.customer_id is not None:
        query = query.where(ProductOrderRecord.customer_id == flt.customer_id)
    if flt.party_id is not None:
        parties = select(OrderParty.order_id).where(OrderParty.party_id == flt.party_id)
        query = query.where(col(ProductOrderRecord.id).in_(parties))
    date_col = col(ProductOrderRecord.order_date)
    if flt.order_date is not None:
        query = query.where(date_col == _naive_utc(flt.order_date))
    if flt.order_date_gt is not None:
        query = query.where(date_col > _naive_utc(flt.order_date_gt))
    if flt.order_date_gte is not None:
        query = query.where(date_col >= _naive_utc(flt.order_date_gte))
    if flt.order_date_lt is not None:
        query = query.where(date_col < _naive_utc(flt.order_date_lt))
    if flt.order_date_lte is not None:
        query = query.where(date_col <= _naive_utc(flt.order_date_lte))
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        page = session.exec(
            query.order_by(date_col.desc(), col(ProductOrderRecord.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [r.document for r in page], int(total)


def mark_started(order_id: str) -> None:
    """The order's workflow exists: it leaves the admission queue. The POST and the admission
    loop may both start it and both get here: a plain DELETE, which finds no row the second
    time (an ORM delete of a loaded row warned when the other had deleted it meanwhile)."""
    with session_scope() as session:
        session.execute(delete(OrderAdmission).where(col(OrderAdmission.order_id) == order_id))


def reject_unstartable(order: ProductOrder, event: OrderEvent) -> None:
    """A queued order whose workflow cannot start: recorded rejected (revision 1, so a workflow
    that did start after all overwrites it) and out of the admission queue."""
    save_order(order, 1, [event])
    mark_started(order.id)


def is_queued(order_id: str) -> bool:
    with session_scope() as session:
        return session.get(OrderAdmission, order_id) is not None


def queued_orders(task_queue: str, limit: int) -> list[dict[str, Any]]:
    """The next orders to admit on `task_queue`: most urgent first, then oldest first."""
    with session_scope() as session:
        rows = session.exec(
            select(ProductOrderRecord.document)
            .join(OrderAdmission, col(OrderAdmission.order_id) == col(ProductOrderRecord.id))
            .where(OrderAdmission.task_queue == task_queue)
            .order_by(col(OrderAdmission.priority), col(OrderAdmission.accepted_at))
            .limit(limit)
        ).all()
        return [dict(document) for document in rows]


def queued_count(task_queue: str) -> int:
    with session_scope() as session:
        waiting = select(func.count()).where(OrderAdmission.task_queue == task_queue)
        return int(session.exec(waiting.select_from(OrderAdmission)).one())


def order_events(order_id: str) -> list[OrderEventRecord]:
    """An order's events, oldest first: its history."""
    with session_scope() as session:
        query = (
            select(OrderEventRecord)
            .where(OrderEventRecord.order_id == order_id)
            .order_by(col(OrderEventRecord.seq))
        )
        records = list(session.exec(query).all())
        whole_bodies(session, records)
        return records


def orders_at_risk(min_rank: int, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Orders in jeopardy at `min_rank` or worse, worst first, then oldest first."""
    query = select(ProductOrderRecord).where(col(ProductOrderRecord.jeopardy_rank) >= min_rank)
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(
                col(ProductOrderRecord.jeopardy_rank).desc(), col(ProductOrderRecord.order_date)
            )
            .offset(offset)
            .limit(limit)
        ).all()
        return [r.document for r in rows], int(total)


def order_documents(
    order_id: str | None = None, party_id: str | None = None
) -> list[dict[str, Any]]:
    """Order documents, newest first: one order, or those of one party, or all."""
    query = select(ProductOrderRecord.document)
    if order_id is not None:
        query = query.where(ProductOrderRecord.id == order_id)
    if party_id is not None:
        parties = select(OrderParty.order_id).where(OrderParty.party_id == party_id)
        query = query.where(col(ProductOrderRecord.id).in_(parties))
    query = query.order_by(
        col(ProductOrderRecord.order_date).desc(), col(ProductOrderRecord.id).desc()
    )
    with session_scope() as session:
        return [dict(document) for document in session.exec(query).all()]
