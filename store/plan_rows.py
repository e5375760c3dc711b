"""A large order's plan view, kept row by row from its store writes (issue 24).

While it runs, each write carries the rows that changed (workflows/plan_view_rows.py); when it
closes, its rows become those of its final view. The plan and timeline endpoints read them:
not a query on a workflow busy with 1,000 items (2.4-4.2 s), nor the closed execution's whole
JSON (~10 MB at 1,000 items: 0.4-0.9 s). Other orders keep none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Text, cast, insert
from sqlmodel import Session, col, delete, select

from store.db import session_scope
from store.order_tables import PlanViewHeader, PlanViewRowRecord, ProductOrderRecord


@dataclass(frozen=True)
class PlanRowsWrite:
    """One store write's changes to the view (workflows/plan_view_rows.py PlanViewChanges)."""

    header: dict[str, Any] | None
    tasks: int
    replace: bool
    # Each: task_id, position, compensation, row.
    rows: list[dict[str, Any]] = field(default_factory=list)


def write_plan_rows(
    session: Session, order_id: str, changes: PlanRowsWrite, only_if_kept: bool = False
) -> None:
    """Apply one store write's changes, in the order snapshot's transaction. `only_if_kept`: if
    the order keeps rows already (its closing write: only an order that kept them keeps its
    final view's)."""
    if only_if_kept and session.get(PlanViewHeader, order_id) is None:
        return
    of_order = col(PlanViewRowRecord.order_id) == order_id
    if changes.replace:
        session.exec(delete(PlanViewRowRecord).where(of_order))
    elif changes.rows:
        changed = [r["task_id"] for r in changes.rows]
        session.exec(
            delete(PlanViewRowRecord).where(of_order, col(PlanViewRowRecord.task_id).in_(changed))
        )
    if changes.header is not None:
        session.merge(PlanViewHeader(order_id=order_id, header=changes.header, tasks=changes.tasks))
    if changes.rows:
        session.execute(
            insert(PlanViewRowRecord), [{**r, "order_id": order_id} for r in changes.rows]
        )


def final_view_rows(view: dict[str, Any]) -> PlanRowsWrite:
    """All the rows of a closed order's view (`OrderPlanView` JSON), in place of the kept ones."""
    tasks, undo = view["tasks"], view["compensations"]
    rows = [
        {"task_id": t["id"], "position": n, "compensation": False, "row": t}
        for n, t in enumerate(tasks)
    ] + [
        {"task_id": t["id"], "position": len(tasks) + n, "compensation": True, "row": t}
        for n, t in enumerate(undo)
    ]
    header = {key: view[key] for key in ("catalog_version", "domain_orders", "deferred")}
    return PlanRowsWrite(header, len(tasks), True, rows)


def read_plan_view(order_id: str) -> dict[str, Any] | None:
    """The kept view (`OrderPlanView`'s JSON without its critical path) with the order's state,
    or None when the order keeps none or its rows are not all written yet."""
    with session_scope() as session:
        found = session.exec(
            select(ProductOrderRecord.state, PlanViewHeader.tasks, _as_text(PlanViewHeader.header))
            .join(PlanViewHeader, col(PlanViewHeader.order_id) == col(ProductOrderRecord.id))
            .where(ProductOrderRecord.id == order_id)
        ).first()
        if found is None:
            return None
        state, task_count, header = found
        rows = session.exec(
            select(PlanViewRowRecord.compensation, _as_text(PlanViewRowRecord.row))
            .where(PlanViewRowRecord.order_id == order_id)
            .order_by(col(PlanViewRowRecord.position))
        ).all()
    # One parse of all the rows as one JSON array: 7,500 rows parsed one by one through the
    # column type took most of a 1,000-item order's answer.
    parsed = from_json(f"[{header},{','.join(text for _, text in rows)}]")
    tasks: list[dict[str, Any]] = []
    compensations: list[dict[str, Any]] = []
    for (undo, _), row in zip(rows, parsed[1:], strict=True):
        (compensations if undo else tasks).append(row)
    if len(tasks) != task_count:
        return None  # the first writes of a large plan are still under way
    return {
        **parsed[0],
        "order_id": order_id,
        "state": state,
        "tasks": tasks,
        "compensations": compensations,
    }


def _as_text(column: Any) -> Any:
    """A JSON column as its text (SQLite keeps it as text; PostgreSQL casts it)."""
    return cast(column, Text)
