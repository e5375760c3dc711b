"""Reads and writes of manual work items and of the field-workforce simulator's switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from store.db import session_scope
from store.task_tables import ManualTaskRecord, WorkforceSimulatorConfig


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def open_task(record: ManualTaskRecord) -> ManualTaskRecord:
    """Create the work item once; a retried call finds and returns the first one."""
    with session_scope() as session:
        existing = session.get(ManualTaskRecord, record.id)
        if existing is not None:
            return existing
        session.add(record)
        return record


def set_task_state(
    task_ref: str,
    state: str,
    assignee: str | None = None,
    result: dict[str, Any] | None = None,
    note: str | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    with session_scope() as session:
        record = session.get(ManualTaskRecord, task_ref, with_for_update=True)
        if record is None:
            return
        record.state = state
        if assignee is not None:
            record.assignee = assignee
            record.claimed_at = record.claimed_at or _now()
        if result is not None:
            record.result = result
        if note is not None:
            record.note = note
        if params is not None:
            record.params = params
        if state in {"completed", "cancelled"}:
            record.completed_at = record.completed_at or _now()
        session.add(record)


def get_task(task_ref: str) -> ManualTaskRecord | None:
    with session_scope() as session:
        return session.get(ManualTaskRecord, task_ref)


@dataclass(frozen=True)
class TaskFilter:
    queue: str | None = None
    skill: str | None = None
    state: str | None = None
    order_id: str | None = None
    assignee: str | None = None


def list_tasks(flt: TaskFilter, offset: int, limit: int) -> tuple[list[ManualTaskRecord], int]:
    query = select(ManualTaskRecord)
    for column, value in (
        (ManualTaskRecord.queue, flt.queue),
        (ManualTaskRecord.skill, flt.skill),
        (ManualTaskRecord.state, flt.state),
        (ManualTaskRecord.order_id, flt.order_id),
        (ManualTaskRecord.assignee, flt.assignee),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(col(ManualTaskRecord.created_at), col(ManualTaskRecord.id))
            .offset(offset)
            .limit(limit)
        ).all()
        return list(rows), int(total)


def workforce_config() -> WorkforceSimulatorConfig:
    with session_scope() as session:
        return session.get(WorkforceSimulatorConfig, 1) or WorkforceSimulatorConfig()


def set_workforce_config(auto_complete: bool, latency_ms: int) -> WorkforceSimulatorConfig:
    with session_scope() as session:
        config = session.get(WorkforceSimulatorConfig, 1) or WorkforceSimulatorConfig()
        config.auto_complete = auto_complete
        config.latency_ms = latency_ms
        session.add(config)
        return config


def completed_result(order_id: str, task_id: str) -> dict[str, Any] | None:
    """The result of an order's completed manual task (its latest run); None if not done."""
    query = (
        select(ManualTaskRecord)
        .where(
            ManualTaskRecord.order_id == order_id,
            ManualTaskRecord.task_id == task_id,
            ManualTaskRecord.state == "completed",
        )
        .order_by(col(ManualTaskRecord.completed_at).desc())
    )
    with session_scope() as session:
        found = session.exec(query).first()
        return None if found is None else dict(found.result or {})
