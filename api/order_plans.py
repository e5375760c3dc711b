"""An order's plan view: from the store once the order closed, else its workflow's query."""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.errors import TmfError
from api.plan_views import when
from api.workflow_calls import execute_query
from decomposition.plan import CriticalPath, critical_path_of
from store import orders, plan_rows
from tmf.product_order import OrderState
from workflows.order import workflow_id_for
from workflows.plan_execution import PlanExecution, TaskStatus
from workflows.plan_view import PLAN_VIEW, OrderPlanView, order_plan_view

_FINISHED = {TaskStatus.COMPLETED.value, TaskStatus.FAILED.value}


async def plan_view(order_id: str, tolerate_unavailable: bool = False) -> OrderPlanView | None:
    """The plan view; with `tolerate_unavailable`, None when the workflow cannot answer (not
    started yet, or Temporal unreachable) instead of the TMF error."""
    # A closed order's plan is in the store: asking its workflow would replay the whole history.
    closed = await run_in_threadpool(orders.closed_order_plan, order_id)
    if closed is not None:
        state, execution = closed
        return order_plan_view(
            order_id,
            OrderState(state),
            None if execution is None else PlanExecution.model_validate(execution),
        )
    try:
        view: OrderPlanView = await execute_query(
            workflow_id_for(order_id), "get_plan", OrderPlanView
        )
    except TmfError:
        if tolerate_unavailable:
            return None
        raise
    return view


async def plan_view_json(order_id: str) -> dict[str, Any]:
    """The plan view as JSON (`OrderPlanView`'s field names), for the plan and timeline
    endpoints: not validated into models, which took seconds for a 1,000-item order (issue 24).
    A large order's from the rows it keeps (store/plan_rows.py), any other closed order's from
    the store (its view as written when it closed, else made from its execution), an open
    one's from its workflow's query."""
    kept = await run_in_threadpool(plan_rows.read_plan_view, order_id)
    if kept is not None:
        return kept
    closed = await run_in_threadpool(orders.closed_order_plan, order_id)
    if closed is not None:
        state, execution = closed
        if execution is not None and isinstance(execution.get(PLAN_VIEW), dict):
            return dict(execution[PLAN_VIEW])
        view = order_plan_view(
            order_id,
            OrderState(state),
            None if execution is None else PlanExecution.model_validate(execution),
        )
        return view.model_dump(mode="json")
    answer: dict[str, Any] = await execute_query(workflow_id_for(order_id), "get_plan", dict)
    return answer


def critical_path_json(view: dict[str, Any]) -> dict[str, Any]:
    """The view's critical path: as the workflow or the closed order made it, else (a large
    order's kept rows, store/plan_rows.py, which leave it out: only the timeline shows it) made
    here from its rows, as `order_plan_view` makes it."""
    path = view.get("critical_path")
    if isinstance(path, dict):
        return path
    return _critical_path(view["tasks"]).model_dump(mode="json")


def _critical_path(tasks: list[dict[str, Any]]) -> CriticalPath:
    """As `order_plan_view` makes it: finished tasks with their actual duration."""
    durations = {t["id"]: took for t in tasks if (took := _took(t)) is not None}
    rows = [(t["id"], t["depends_on"], t["expected_duration_seconds"]) for t in tasks]
    return critical_path_of(rows, durations)


def _took(task: dict[str, Any]) -> float | None:
    start, end = when(task.get("actual_start")), when(task.get("actual_end"))
    if task["status"] not in _FINISHED or start is None or end is None:
        return None
    return (end - start).total_seconds()
