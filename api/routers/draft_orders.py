"""Draft orders' operations: price a stored draft, submit it.

GET  /ops/v1/orders/{id}/plan-preview  the plan and prices the stored order would get now
POST /ops/v1/orders/{id}/submit        submit a draft: it starts as a POSTed order does
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api import drafts
from api.dependencies import SettingsDep
from api.identity import Caller, requires
from api.permissions import Permission
from api.routers.plan_preview import preview_response
from api.routers.product_order import refuse_impossible_dates
from tmf.product_order import OrderState, ProductOrderCreate

router = APIRouter(prefix="/ops/v1/orders", tags=["draft orders"])


@router.get("/{order_id}/plan-preview", summary="Decompose and price a stored (draft) order")
async def stored_order_preview(
    order_id: str, caller: Caller = requires(Permission.ORDER_PREVIEW)
) -> JSONResponse:
    document = await drafts.stored_order(order_id, caller)
    return preview_response(ProductOrderCreate.model_validate(document))


@router.post("/{order_id}/submit", summary="Submit a draft order (starts its workflow)")
async def submit_draft(
    order_id: str,
    request: Request,
    settings: SettingsDep,
    caller: Caller = requires(Permission.ORDER_CREATE),
) -> JSONResponse:
    # Submitting places the order: the permission of a POST.
    document = await drafts.stored_order(order_id, caller)
    if document.get("state") == OrderState.DRAFT.value:
        # The dates a POST would be refused for, checked again now that the order is placed.
        refuse_impossible_dates(ProductOrderCreate.model_validate(document), datetime.now(UTC))
    return JSONResponse(await drafts.submit(order_id, document, request, caller.subject, settings))
