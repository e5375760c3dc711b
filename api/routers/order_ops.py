"""Operations on one order: its live plan, timeline, missing information, PONR override.

GET  /ops/v1/orders/{id}/plan          the plan with live task states
GET  /ops/v1/orders/{id}/timeline      planned vs actual times, critical path (Gantt data)
GET  /ops/v1/orders/{id}/return        a return's state, inspection, refund or charge
POST /ops/v1/orders/{id}/information   characteristics a staggered decomposition waits for
POST /ops/v1/orders/{id}/ponr-override a fulfillment manager lifts an item's soft PONR
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.identity import Caller, requires, same_actor
from api.isolation import check_order_visible, visible_order
from api.json_style import camel_json
from api.order_plans import critical_path_json, plan_view_json
from api.permissions import Permission
from api.plan_views import iso, order_forecast, task_row_json, when, without_nulls
from api.return_view import return_view
from api.sealing import sealed_for_order
from api.workflow_calls import execute_update
from store import orders
from tmf.product_order import ProductOrder
from workflows.messages import OverridePointOfNoReturn, ProvideInformation
from workflows.order import workflow_id_for

router = APIRouter(prefix="/ops/v1/orders", tags=["order operations"])


class OverrideBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    item_id: str = Field(alias="itemId", min_length=1)
    # Who overrides is the token's subject; an `actor` here must name the same.
    actor: str | None = Field(default=None, min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class InformationBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    item_id: str = Field(alias="itemId", min_length=1)
    characteristics: dict[str, Any] = Field(min_length=1)
    provided_by: str | None = Field(default=None, alias="providedBy", max_length=200)


@router.get("/{order_id}/plan", summary="The order's plan with live task states")
async def order_plan(order_id: str, caller: Caller = requires(Permission.ORDER_READ)) -> Response:
    await check_order_visible(caller, order_id)
    view = await plan_view_json(order_id)
    state = view["state"]
    if view.get("catalog_version") is None:  # not planned
        return _json({"orderId": order_id, "state": state, "domainOrders": [], "tasks": []})
    return _json(
        {
            "orderId": order_id,
            "state": state,
            "catalogVersion": view["catalog_version"],
            "domainOrders": camel_json(view["domain_orders"]),
            "tasks": [task_row_json(t) for t in view["tasks"]],
            "compensatingTasks": [task_row_json(t) for t in view["compensations"]],
            "deferred": camel_json(view["deferred"]),
        }
    )


@router.get("/{order_id}/timeline", summary="Planned vs actual times and the critical path")
async def order_timeline(
    order_id: str, caller: Caller = requires(Permission.ORDER_READ)
) -> Response:
    await check_order_visible(caller, order_id)
    view = await plan_view_json(order_id)
    state = view["state"]
    if view.get("catalog_version") is None:  # not planned
        return _json({"orderId": order_id, "state": state, "tasks": [], "criticalPath": []})
    tasks = view["tasks"]
    starts = [when(t.get("actual_start") or t.get("planned_start")) for t in tasks]
    ends = [when(t.get("actual_end") or t.get("planned_end")) for t in tasks]
    latest_end = iso(max((e for e in ends if e is not None), default=None))
    # One forecast: the order's own (what GET productOrder shows), not one of the timeline's.
    document = await run_in_threadpool(orders.get_order, order_id)
    path = critical_path_json(view)
    return _json(
        without_nulls(
            {
                "orderId": order_id,
                "state": state,
                "start": iso(min((s for s in starts if s is not None), default=None)),
                "expectedCompletion": order_forecast(document, latest_end),
                "criticalPath": path["task_ids"],
                "criticalPathSeconds": path["duration_seconds"],
                "tasks": [task_row_json(t) for t in tasks],
                "compensatingTasks": [task_row_json(t) for t in view["compensations"]],
            }
        )
    )


def _json(body: dict[str, Any]) -> Response:
    """A large answer written as it is (a 1,000-item order's plan has 7,500 rows: FastAPI's
    encoder walked them for longer than the rest of the request)."""
    return Response(content=pydantic_core.to_json(body), media_type="application/json")


@router.get("/{order_id}/return", summary="The order's returns: state, inspection, refund")
async def order_return(
    order_id: str, caller: Caller = requires(Permission.ORDER_READ)
) -> dict[str, Any]:
    # The customer's own orders only (another customer's is a 404, as everywhere).
    document: dict[str, Any] = await run_in_threadpool(visible_order, caller, order_id)
    return await return_view(document)


@router.post("/{order_id}/information", summary="Supply characteristics an item waits for")
async def provide_information(
    order_id: str,
    body: InformationBody,
    caller: Caller = requires(Permission.ORDER_PROVIDE_INFORMATION),
) -> dict[str, Any]:
    await check_order_visible(caller, order_id)
    same_actor(caller, body.provided_by, "providedBy")
    # A secret among them (a porting PIN) is sealed like the POST's.
    characteristics = await sealed_for_order(order_id, body.characteristics, "characteristics")
    order: ProductOrder = await execute_update(
        workflow_id_for(order_id),
        "provide_information",
        ProvideInformation(
            item_id=body.item_id,
            characteristics=characteristics,
            provided_by=caller.subject,
            actor_role=caller.acting_role,
        ),
        ProductOrder,
    )
    return order.to_tmf()


@router.post("/{order_id}/ponr-override", summary="Lift an item's soft point of no return")
async def override_point_of_no_return(
    order_id: str,
    body: OverrideBody,
    caller: Caller = requires(Permission.ORDER_PONR_OVERRIDE),
) -> dict[str, Any]:
    await check_order_visible(caller, order_id)
    same_actor(caller, body.actor, "actor")
    order: ProductOrder = await execute_update(
        workflow_id_for(order_id),
        "override_point_of_no_return",
        OverridePointOfNoReturn(
            item_id=body.item_id,
            actor=caller.subject,
            reason=body.reason,
            actor_role=caller.acting_role,
        ),
        ProductOrder,
    )
    return order.to_tmf()
