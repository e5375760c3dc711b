"""An order's plan view: from the store once the order closed, else its workflow's query."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from api.errors import TmfError
from api.workflow_calls import execute_query
from store import orders
from tmf.product_order import OrderState
from workflows.order import workflow_id_for
from workflows.plan_execution import PlanExecution
from workflows.plan_view import OrderPlanView, order_plan_view


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
