"""Orders waiting for a person's review before they are fulfilled (workflows/order/review.py).

GET  /ops/v1/approvals                     what waits (kind=approval|duplicate), longest first
POST /ops/v1/approvals/{order_id}/approve  an approver lets the order go ahead
POST /ops/v1/approvals/{order_id}/reject   ... or rejects it, with a reason (the order: rejected)
POST /ops/v1/approvals/{order_id}/release  an agent releases a suspected duplicate

Cancelling a suspected duplicate is an ordinary cancellation (POST cancelProductOrder). Who
decides is the token's subject: it is the actor in the order's history.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.errors import TmfError
from api.identity import Caller, requires, same_actor
from api.isolation import visible_order
from api.permissions import Permission
from api.tmf_query import count_headers, parse_page, reject_unknown_filters
from api.workflow_calls import execute_update
from store import reviews
from tmf.product_order import OrderState, ProductOrder
from workflows.messages import ReviewAction, ReviewDecision
from workflows.order import workflow_id_for

router = APIRouter(prefix="/ops/v1/approvals", tags=["approvals"])


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, min_length=1, max_length=2000)
    # Who decides is the token's subject; an `actor` here must name the same.
    actor: str | None = Field(default=None, min_length=1, max_length=200)


class RejectionBody(DecisionBody):
    reason: str = Field(min_length=1, max_length=2000)


def _entry(document: dict[str, Any]) -> dict[str, Any] | None:
    order = ProductOrder.model_validate(document)
    review = order.open_review()
    if review is None:
        return None
    return {
        "orderId": order.id,
        "href": order.href,
        "state": order.state.value,
        "customerId": order.customer_id(),
        "channel": order.channel_name(),
        "priority": order.priority,
        "orderDate": document.get("orderDate"),
        "orderTotalPrice": document.get("orderTotalPrice", []),
        "jeopardy": (document.get("jeopardy") or {}).get("level", "none"),
        **review.to_tmf(),
    }


@router.get(
    "",
    summary="Orders waiting for approval or held as suspected duplicates, longest waiting first",
    dependencies=[requires(Permission.APPROVAL_READ)],
)
def waiting(request: Request) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), ["kind"])
    kind = params.get("kind")
    if kind is not None and kind not in reviews.WAITING_STATES:
        raise TmfError(400, "InvalidQuery", "'kind' must be 'approval' or 'duplicate'")
    page = parse_page(params)
    found, total = reviews.waiting_for_review(kind, page.offset, page.limit)
    body = [entry for entry in map(_entry, found) if entry is not None]
    return JSONResponse(body, headers=count_headers(total, len(body)))


async def _decide(
    order_id: str, action: ReviewAction, body: DecisionBody | None, caller: Caller
) -> dict[str, Any]:
    document = await run_in_threadpool(visible_order, caller, order_id)  # 404 if unknown
    same_actor(caller, body.actor if body else None, "actor")
    state = OrderState(document.get("state", OrderState.ACKNOWLEDGED.value))
    if state.is_final:  # its workflow may be gone: answered from the store
        raise TmfError(409, "InvalidState", f"order {order_id} is {state.value}")
    order: ProductOrder = await execute_update(
        workflow_id_for(order_id),
        "review_order",
        ReviewDecision(
            action=action,
            actor=caller.subject,
            actor_role=caller.acting_role,
            reason=body.reason if body else None,
        ),
        ProductOrder,
    )
    return order.to_tmf()


@router.post("/{order_id}/approve", summary="Approve an order waiting for approval")
async def approve(
    order_id: str,
    body: DecisionBody | None = None,
    caller: Caller = requires(Permission.ORDER_APPROVE),
) -> dict[str, Any]:
    return await _decide(order_id, ReviewAction.APPROVE, body, caller)


@router.post("/{order_id}/reject", summary="Reject an order waiting for approval (a reason)")
async def reject(
    order_id: str, body: RejectionBody, caller: Caller = requires(Permission.ORDER_APPROVE)
) -> dict[str, Any]:
    return await _decide(order_id, ReviewAction.REJECT, body, caller)


@router.post("/{order_id}/release", summary="Release an order held as a suspected duplicate")
async def release(
    order_id: str,
    body: DecisionBody | None = None,
    caller: Caller = requires(Permission.ORDER_RELEASE),
) -> dict[str, Any]:
    return await _decide(order_id, ReviewAction.RELEASE, body, caller)
