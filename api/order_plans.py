"""An order's plan view: from the store once the order closed, else its workflow's query."""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.errors import TmfError
from api.workflow_calls import execute_query
from store import orders
from tmf.product_order import OrderState
from workflows.order import workflow_id_for
from workflows.plan_execution import PlanExecution
from workflows.plan_view import PLAN_VIEW, OrderPlanView, order_plan_view


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
    A closed order's comes from the store (its view as written when it closed, else made from
    its execution), an open one's from its workflow's query."""
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
