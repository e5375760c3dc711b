"""A large order's plan view while it runs, kept from its store writes (issue 24): the plan and
timeline endpoints read it instead of asking a workflow busy with 1,000 items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from store.db import session_scope
from store.order_tables import OpenOrderPlan, OpenPlanTaskRow, ProductOrderRecord


@dataclass(frozen=True)
class OpenPlanWrite:
    """One store write's changes to the view (workflows/plan_view_rows.py PlanViewChanges)."""

    header: dict[str, Any] | None
    tasks: int
    replace: bool
    # Each: task_id, position, compensation, row.
    rows: list[dict[str, Any]] = field(default_factory=list)


def write_open_plan(session: Session, order_id: str, changes: OpenPlanWrite) -> None:
    """Apply one store write's changes, in the order snapshot's transaction."""
    of_order = col(OpenPlanTaskRow.order_id) == order_id
    if changes.replace:
        session.exec(delete(OpenPlanTaskRow).where(of_order))
    elif changes.rows:
        changed = [r["task_id"] for r in changes.rows]
        session.exec(
            delete(OpenPlanTaskRow).where(of_order, col(OpenPlanTaskRow.task_id).in_(changed))
        )
    if changes.header is not None:
        session.merge(OpenOrderPlan(order_id=order_id, header=changes.header, tasks=changes.tasks))
    if changes.rows:
        session.execute(
            insert(OpenPlanTaskRow),
            [{**r, "order_id": order_id} for r in changes.rows],
        )


def forget_open_plan(session: Session, order_id: str) -> None:
    """The order closed: its closed plan holds the view from now on."""
    session.exec(delete(OpenPlanTaskRow).where(col(OpenPlanTaskRow.order_id) == order_id))
    session.exec(delete(OpenOrderPlan).where(col(OpenOrderPlan.order_id) == order_id))


def open_plan_view(order_id: str) -> dict[str, Any] | None:
    """The stored view (`OrderPlanView`'s JSON without its critical path) with the order's
    state, or None when the order keeps none or its rows are not all written yet."""
    with session_scope() as session:
        header = session.get(OpenOrderPlan, order_id)
        state = session.exec(
            select(ProductOrderRecord.state).where(ProductOrderRecord.id == order_id)
        ).first()
        if header is None or state is None:
            return None
        found = session.exec(
            select(OpenPlanTaskRow.compensation, OpenPlanTaskRow.row)
            .where(OpenPlanTaskRow.order_id == order_id)
            .order_by(col(OpenPlanTaskRow.position))
        ).all()
        tasks = [dict(row) for undo, row in found if not undo]
        if len(tasks) != header.tasks:
            return None  # the first writes of a large plan are still under way
        return {
            **header.header,
            "order_id": order_id,
            "state": state,
            "tasks": tasks,
            "compensations": [dict(row) for undo, row in found if undo],
        }
