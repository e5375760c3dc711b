"""JSON rows of plan tasks, shared by the plan, timeline and preview endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.json_style import camel
from tmf.product_order import FINAL_ORDER_STATES
from workflows.plan_view import PlanTaskView


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def order_forecast(order: dict[str, Any] | None, latest_planned_end: str | None) -> str | None:
    """When the order completes, as the order says: its completion date once closed, else the
    forecast its jeopardy assessment keeps (now plus the remaining critical path)."""
    if order is None:
        return latest_planned_end
    closed = order.get("completionDate") or order.get("cancellationDate")
    if closed or order.get("state") in FINAL_ORDER_STATES:
        return str(closed) if closed else latest_planned_end
    forecast = (order.get("jeopardy") or {}).get("forecastCompletionDate")
    return str(forecast) if forecast else latest_planned_end


def without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    """The row without its absent fields: TM Forum's style leaves out what has no value (a task
    not started has no `actualStart`, a manual task no `activity`), so a user sees no null."""
    return {name: value for name, value in row.items() if value is not None}


def task_row(task: PlanTaskView) -> dict[str, Any]:
    """A task's row. Always there: id, name, kind, domainOrderId, itemId, dependsOn,
    expectedDurationSeconds, pointOfNoReturn, status, jeopardy, outcome. There when they apply:
    activity (automated tasks), queue and skill (manual tasks), falloutCaseId (a case is open or
    was opened for its run), plannedStart/plannedEnd (scheduled), actualStart/actualEnd (started,
    ended), error (failed), compensates (an undo row)."""
    return without_nulls(
        {
            "id": task.id,
            "name": task.name,
            "kind": task.kind.value,
            "activity": task.activity,
            "queue": task.queue,
            "skill": task.skill,
            "domainOrderId": task.domain_order_id,
            "itemId": task.item_id,
            "dependsOn": task.depends_on,
            "expectedDurationSeconds": task.expected_duration_seconds,
            "pointOfNoReturn": task.point_of_no_return,
            "status": task.status.value,
            "jeopardy": task.jeopardy,
            "falloutCaseId": task.fallout_case_id,
            "plannedStart": iso(task.planned_start),
            "plannedEnd": iso(task.planned_end),
            "actualStart": iso(task.actual_start),
            "actualEnd": iso(task.actual_end),
            "error": task.error,
            "outcome": task.outcome,
            "compensates": task.compensates,
        }
    )


# A row's names: the view's (snake_case, as its JSON has them) and the row's.
_ROW_NAMES = [
    (name, camel(name))
    for name in (
        "id name kind activity queue skill domain_order_id item_id depends_on "
        "expected_duration_seconds point_of_no_return status jeopardy fallout_case_id "
        "planned_start planned_end actual_start actual_end error outcome compensates"
    ).split()
]


def task_row_json(task: dict[str, Any]) -> dict[str, Any]:
    """`task_row` of a task view as JSON (from a query's answer or the store, not validated
    again: issue 24, 7,500 rows for a 1,000-item order); the same row."""
    return {row: task[name] for name, row in _ROW_NAMES if task.get(name) is not None}


def when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
