"""TMF622 CancelProductOrder: /tmf-api/productOrderingManagement/v4/cancelProductOrder."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.dependencies import SettingsDep
from api.errors import TmfError
from api.identity import Caller, requires
from api.isolation import may_see_order, visible_order
from api.permissions import Permission
from api.tmf_query import (
    count_headers,
    parse_fields,
    parse_page,
    reject_unknown_filters,
    select_fields,
)
from api.workflow_calls import execute_update
from store import cancellations, orders
from tmf.cancel_order import (
    CancelProductOrder,
    CancelProductOrderCreate,
    CancelState,
    cancel_href,
)
from tmf.product_order import PRODUCT_ORDERING_BASE
from workflows.messages import CancelOrder
from workflows.order import workflow_id_for

router = APIRouter(prefix=PRODUCT_ORDERING_BASE, tags=["cancelProductOrder"])


@router.post("/cancelProductOrder", status_code=201, summary="Ask to cancel an order")
async def create_cancellation(
    body: CancelProductOrderCreate,
    settings: SettingsDep,
    caller: Caller = requires(Permission.ORDER_CANCEL),
) -> JSONResponse:
    order_id = body.product_order.id
    await run_in_threadpool(visible_order, caller, order_id)
    cancel_id = str(uuid.uuid4())
    task = CancelProductOrder(
        **body.model_dump(by_alias=True, exclude_none=True),
        id=cancel_id,
        href=cancel_href(settings.public_base_url, cancel_id),
    )
    await run_in_threadpool(cancellations.create_cancellation, task)
    try:
        await execute_update(
            workflow_id_for(order_id),
            "cancel_order",
            CancelOrder(cancellation=task, actor=caller.subject, actor_role=caller.acting_role),
            CancelProductOrder,
        )
    except TmfError as err:
        if err.status >= 500:
            raise
        # Refused outright (order closed, or a cancellation already under way): the workflow
        # never took this task, so the API's own record ends it (revision 1 after creation's 0).
        task.state = CancelState.TERMINATED_WITH_ERROR
        task.error_message = f"{err.code}: {err.reason}"
        await run_in_threadpool(cancellations.save_cancellation, task, 1)
    document = await run_in_threadpool(cancellations.get_cancellation, cancel_id)
    assert document is not None
    return JSONResponse(status_code=201, content=document, headers={"Location": task.href})


@router.get("/cancelProductOrder/{cancel_id}", summary="Retrieve a cancellation request")
def retrieve_cancellation(
    cancel_id: str, request: Request, caller: Caller = requires(Permission.ORDER_READ)
) -> JSONResponse:
    document = cancellations.get_cancellation(cancel_id)
    if document is None or not _may_see(caller, document):
        raise TmfError(404, "NotFound", f"No cancelProductOrder with id '{cancel_id}'")
    return JSONResponse(select_fields(document, parse_fields(request.query_params)))


def _may_see(caller: Caller, cancellation: dict[str, Any]) -> bool:
    if caller.party_scope() is None:
        return True
    order = orders.get_order(str((cancellation.get("productOrder") or {}).get("id")))
    return order is not None and may_see_order(caller, order)


@router.get("/cancelProductOrder", summary="List cancellation requests, newest first")
def list_cancellations(
    request: Request, caller: Caller = requires(Permission.ORDER_READ)
) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), ["productOrder.id", "state"])
    page = parse_page(params)
    found, total = cancellations.list_cancellations(
        params.get("productOrder.id"),
        params.get("state"),
        page.offset,
        page.limit,
        customer_id=caller.party_scope(),  # a customer's own orders' cancellations only
    )
    fields = parse_fields(params)
    body = [select_fields(doc, fields) for doc in found]
    return JSONResponse(body, headers=count_headers(total, len(body)))
