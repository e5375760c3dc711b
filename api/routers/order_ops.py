"""Operations on one order: its live plan, timeline, missing information, PONR override.

GET  /ops/v1/orders/{id}/plan          the plan with live task states
GET  /ops/v1/orders/{id}/timeline      planned vs actual times, critical path (Gantt data)
POST /ops/v1/orders/{id}/information   characteristics a staggered decomposition waits for
POST /ops/v1/orders/{id}/ponr-override a fulfillment manager lifts an item's soft PONR
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.plan_views import iso, task_rows
from api.workflow_calls import execute_query, execute_update
from store import orders
from tmf.product_order import OrderState, ProductOrder
from workflows.messages import OverridePointOfNoReturn, ProvideInformation
from workflows.plan_execution import PlanExecution, TaskStatus
from workflows.product_order import OrderPlanView, workflow_id_for

router = APIRouter(prefix="/ops/v1/orders", tags=["order operations"])


class OverrideBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    item_id: str = Field(alias="itemId", min_length=1)
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class InformationBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    item_id: str = Field(alias="itemId", min_length=1)
    characteristics: dict[str, Any] = Field(min_length=1)
    provided_by: str | None = Field(default=None, alias="providedBy", max_length=200)


async def _plan_view(order_id: str) -> OrderPlanView:
    # A closed order's plan is in the store: asking its workflow would replay the whole history.
    closed = await run_in_threadpool(orders.closed_order_plan, order_id)
    if closed is not None:
        state, execution = closed
        return OrderPlanView(
            order_id=order_id,
            state=OrderState(state),
            execution=None if execution is None else PlanExecution.model_validate(execution),
        )
    view: OrderPlanView = await execute_query(workflow_id_for(order_id), "get_plan", OrderPlanView)
    return view


@router.get("/{order_id}/plan", summary="The order's plan with live task states")
async def order_plan(order_id: str) -> dict[str, Any]:
    view = await _plan_view(order_id)
    if view.execution is None:
        return {"orderId": order_id, "state": view.state.value, "domainOrders": [], "tasks": []}
    plan = view.execution.plan
    return {
        "orderId": order_id,
        "state": view.state.value,
        "catalogVersion": plan.catalog_version,
        "domainOrders": [d.model_dump(mode="json") for d in plan.domain_orders],
        "tasks": task_rows(view.execution),
        "deferred": [d.model_dump(mode="json") for d in plan.deferred],
    }


@router.get("/{order_id}/timeline", summary="Planned vs actual times and the critical path")
async def order_timeline(order_id: str) -> dict[str, Any]:
    view = await _plan_view(order_id)
    if view.execution is None:
        return {"orderId": order_id, "state": view.state.value, "tasks": [], "criticalPath": []}
    execution = view.execution
    # Finished tasks count with their actual duration, the rest with the expected one.
    durations = {
        task_id: (run.actual_end - run.actual_start).total_seconds()
        for task_id, run in execution.runs.items()
        if run.status in {TaskStatus.COMPLETED, TaskStatus.FAILED}
        and run.actual_start is not None
        and run.actual_end is not None
    }
    critical = execution.plan.critical_path(durations)
    starts = [r.actual_start or r.planned_start for r in execution.runs.values()]
    first = min((s for s in starts if s is not None), default=None)
    ends = [r.actual_end or r.planned_end for r in execution.runs.values()]
    return {
        "orderId": order_id,
        "state": view.state.value,
        "start": iso(first),
        "expectedCompletion": iso(max((e for e in ends if e is not None), default=None)),
        "criticalPath": critical.task_ids,
        "criticalPathSeconds": critical.duration_seconds,
        "tasks": task_rows(execution),
    }


@router.post("/{order_id}/information", summary="Supply characteristics an item waits for")
async def provide_information(order_id: str, body: InformationBody) -> dict[str, Any]:
    order: ProductOrder = await execute_update(
        workflow_id_for(order_id),
        "provide_information",
        ProvideInformation(
            item_id=body.item_id,
            characteristics=body.characteristics,
            provided_by=body.provided_by,
        ),
        ProductOrder,
    )
    return order.to_tmf()


@router.post("/{order_id}/ponr-override", summary="Lift an item's soft point of no return")
async def override_point_of_no_return(order_id: str, body: OverrideBody) -> dict[str, Any]:
    order: ProductOrder = await execute_update(
        workflow_id_for(order_id),
        "override_point_of_no_return",
        OverridePointOfNoReturn(item_id=body.item_id, actor=body.actor, reason=body.reason),
        ProductOrder,
    )
    return order.to_tmf()
