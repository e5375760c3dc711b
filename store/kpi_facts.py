"""What the KPIs are computed from: the orders of a period, and the plans of the closed ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from store.db import session_scope
from store.event_tables import OrderEventRecord
from store.fallout_tables import FalloutCase
from store.order_search import OPEN_FALLOUT_STATES
from store.order_tables import ClosedOrderPlan, ProductOrderRecord

JEOPARDY_EVENT = "ProductOrderJeopardyAlertEvent"


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class PeriodOrders:
    documents: list[dict[str, Any]]
    had_jeopardy: set[str]
    had_fallout: set[str]


def period_orders(start: datetime, end: datetime, limit: int) -> PeriodOrders:
    """Orders placed in [start, end) (the latest `limit`), and which of them ever went into
    jeopardy (an alert event) or fell out (a fallout case)."""
    date = col(ProductOrderRecord.order_date)
    in_period = (
        select(ProductOrderRecord.id)
        .where(date >= _naive(start), date < _naive(end))
        .order_by(date.desc())
        .limit(limit)
    )
    with session_scope() as session:
        ids = list(session.exec(in_period).all())
        documents = [
            dict(d)
            for d in session.exec(
                select(ProductOrderRecord.document).where(col(ProductOrderRecord.id).in_(ids))
            ).all()
        ]
        jeopardy = session.exec(
            select(OrderEventRecord.order_id)
            .where(OrderEventRecord.event_type == JEOPARDY_EVENT)
            .where(col(OrderEventRecord.order_id).in_(ids))
            .distinct()
        ).all()
        fallout = session.exec(
            select(FalloutCase.order_id).where(col(FalloutCase.order_id).in_(ids)).distinct()
        ).all()
    return PeriodOrders(documents, set(jeopardy), set(fallout))


def closed_plans(order_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(order id, state, plan execution) of those orders that have closed with a plan."""
    with session_scope() as session:
        rows = session.exec(
            select(ProductOrderRecord.id, ProductOrderRecord.state, ClosedOrderPlan.execution)
            .join(ClosedOrderPlan, col(ClosedOrderPlan.order_id) == col(ProductOrderRecord.id))
            .where(col(ProductOrderRecord.id).in_(order_ids))
        ).all()
        return [(i, s, dict(e)) for i, s, e in rows if e is not None]


def open_fallout_by_system() -> dict[str, int]:
    """Unresolved fallout cases per system, now."""
    with session_scope() as session:
        rows = session.exec(
            select(FalloutCase.system, func.count())
            .where(col(FalloutCase.state).in_(OPEN_FALLOUT_STATES))
            .group_by(col(FalloutCase.system))
        ).all()
        return {str(system): int(n) for system, n in rows}
