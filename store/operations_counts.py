"""Counts of what the store holds, for the metrics an operator watches (grouped, indexed reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as select_columns
from sqlmodel import col, func, select

from store.db import session_scope
from store.fallout_tables import FalloutCase
from store.order_tables import OrderAdmission, ProductOrderRecord
from store.task_tables import ManualTaskRecord

FINAL_STATES = ("completed", "partial", "failed", "rejected", "cancelled")


@dataclass(frozen=True)
class FalloutCount:
    system: str
    error_code: str
    state: str
    cases: int
    failures: int  # how often these cases were opened (a retry that fails again reopens one)


@dataclass(frozen=True)
class QueueCount:
    queue: str
    open: int
    oldest_created_at: datetime | None


def fallout_counts() -> list[FalloutCount]:
    query = select_columns(
        col(FalloutCase.system),
        col(FalloutCase.error_type),
        col(FalloutCase.state),
        func.count(),
        func.sum(col(FalloutCase.failures)),
    ).group_by(col(FalloutCase.system), col(FalloutCase.error_type), col(FalloutCase.state))
    with session_scope() as session:
        return [
            FalloutCount(system, code, state, int(cases), int(failures or 0))
            for system, code, state, cases, failures in session.execute(query).all()
        ]


def open_orders_by_jeopardy_rank() -> dict[int, int]:
    query = (
        select(ProductOrderRecord.jeopardy_rank, func.count())
        .where(col(ProductOrderRecord.state).not_in(FINAL_STATES))
        .group_by(col(ProductOrderRecord.jeopardy_rank))
    )
    with session_scope() as session:
        return {int(rank): int(count) for rank, count in session.exec(query).all()}


def open_tasks_by_jeopardy_level() -> dict[str, int]:
    """Running tasks of open orders by jeopardy level (warning, critical), from the documents of
    the orders in jeopardy only: the indexed rank is the worst of the order and its tasks, so an
    order with a late task is among them, and the orders on time are never read."""
    query = select(ProductOrderRecord.document).where(
        col(ProductOrderRecord.jeopardy_rank) >= 1,
        col(ProductOrderRecord.state).not_in(FINAL_STATES),
    )
    found: dict[str, int] = {}
    with session_scope() as session:
        for document in session.exec(query).all():
            for task in (document.get("jeopardy") or {}).get("tasks") or []:
                level = str(task.get("level"))
                found[level] = found.get(level, 0) + 1
    return found


def open_manual_tasks() -> list[QueueCount]:
    query = (
        select(ManualTaskRecord.queue, func.count(), func.min(ManualTaskRecord.created_at))
        .where(col(ManualTaskRecord.state).in_(("open", "claimed")))
        .group_by(col(ManualTaskRecord.queue))
    )
    with session_scope() as session:
        return [QueueCount(q, int(n), oldest) for q, n, oldest in session.exec(query).all()]


def waiting_orders(task_queue: str) -> int:
    query = select(func.count()).where(OrderAdmission.task_queue == task_queue)
    with session_scope() as session:
        return int(session.exec(query.select_from(OrderAdmission)).one())
