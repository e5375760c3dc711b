"""Reads and writes of CancelProductOrder tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from store.cancel_tables import CancelOrderRecord
from store.db import session_scope
from store.order_tables import ProductOrderRecord
from tmf.cancel_order import CancelProductOrder


def create_cancellation(task: CancelProductOrder) -> None:
    with session_scope() as session:
        session.add(
            CancelOrderRecord(
                id=task.id,
                order_id=task.product_order.id,
                state=task.state.value,
                created_at=datetime.now(UTC).replace(tzinfo=None),
                document=task.to_tmf(),
            )
        )


def save_cancellation(task: CancelProductOrder, revision: int) -> bool:
    """The workflow's view of the task; an older write never overwrites a newer one."""
    with session_scope() as session:
        record = session.get(CancelOrderRecord, task.id, with_for_update=True)
        if record is None:
            session.add(
                CancelOrderRecord(
                    id=task.id,
                    order_id=task.product_order.id,
                    state=task.state.value,
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                    revision=revision,
                    document=task.to_tmf(),
                )
            )
            return True
        if record.revision >= revision:
            return False
        record.state = task.state.value
        record.revision = revision
        record.document = task.to_tmf()
        session.add(record)
        return True


def get_cancellation(cancel_id: str) -> dict[str, Any] | None:
    with session_scope() as session:
        record = session.get(CancelOrderRecord, cancel_id)
        return None if record is None else record.document


def list_cancellations(
    order_id: str | None,
    state: str | None,
    offset: int,
    limit: int,
    customer_id: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    query = select(CancelOrderRecord)
    if customer_id is not None:
        of_customer = select(ProductOrderRecord.id).where(
            ProductOrderRecord.customer_id == customer_id
        )
        query = query.where(col(CancelOrderRecord.order_id).in_(of_customer))
    if order_id is not None:
        query = query.where(CancelOrderRecord.order_id == order_id)
    if state is not None:
        query = query.where(CancelOrderRecord.state == state)
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(col(CancelOrderRecord.created_at).desc()).offset(offset).limit(limit)
        ).all()
        return [r.document for r in rows], int(total)
