"""POST /ops/v1/plan-preview: the plan and prices an order would get, without starting anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.errors import error_response
from api.identity import Caller, requires
from api.isolation import check_parties
from api.json_style import camel_json
from api.order_limits import refuse_oversized_order
from api.permissions import Permission
from api.plan_views import iso, task_row
from decomposition.preview import preview_order
from store.catalogs import catalog_version
from tmf.product_order import ProductOrderCreate
from workflows.plan_execution import PlanExecution
from workflows.plan_view import task_views

router = APIRouter(prefix="/ops/v1", tags=["plan preview"])


@router.post("/plan-preview", summary="Decompose and price an order without starting it")
def plan_preview(
    body: ProductOrderCreate, caller: Caller = requires(Permission.ORDER_PREVIEW)
) -> JSONResponse:
    check_parties(caller, body.related_party, require_self=False)
    refuse_oversized_order(body)  # the same limits as POST: a preview is as big as the order
    return preview_response(body)


def preview_response(body: ProductOrderCreate) -> JSONResponse:
    """The plan and prices of `body` on the current catalog, or 422 with the reasons."""
    result = preview_order(body, catalog_version())
    if result.preview is None or result.problems:
        return error_response(
            422,
            "InvalidOrder",
            result.problems[0].reason if result.problems else "the order cannot be planned",
            "; ".join(p.reason for p in result.problems),
            # The same reasons, item by item, as a rejected order carries in `errorMessage`.
            details={"problems": camel_json(result.problems)},
        )
    plan = result.preview.plan
    now = datetime.now(UTC)
    schedule = PlanExecution.start(plan, now)
    tasks = [task_row(task) for task in task_views(schedule)]
    pricing = result.pricing
    seconds = result.preview.expected_duration_seconds
    return JSONResponse(
        {
            "catalogVersion": plan.catalog_version,
            "domainOrders": camel_json(plan.domain_orders),
            "tasks": tasks,
            "deferred": camel_json(plan.deferred),
            "criticalPath": result.preview.critical_path.task_ids,
            "criticalPathSeconds": seconds,
            "expectedCompletionDate": iso(now + timedelta(seconds=seconds)),
            "orderTotalPrice": [p.to_tmf() for p in pricing.order_total_price] if pricing else [],
            "itemPrice": (
                {item: [p.to_tmf() for p in prices] for item, prices in pricing.item_price.items()}
                if pricing
                else {}
            ),
        }
    )
