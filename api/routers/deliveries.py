"""Event deliveries and dead letters: /ops/v1/deliveries.

`?state=dead` is the dead-letter list (given-up deliveries); `POST /{id}/replay` sends a dead
letter again through its consumer's delivery workflow (after that order's queued events).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from temporalio.service import RPCError

from activities.event_delivery import COURTESY_CONSUMER_ID, Consumer, ConsumerKind, EventRef
from api.errors import TmfError
from api.identity import requires
from api.permissions import Permission
from api.temporal import get_client
from api.tmf_query import count_headers, parse_page, reject_unknown_filters
from observability.logs import get_logger
from store import hub
from store.hub_tables import DeliveryState, EventDeliveryRecord
from tmf.common import iso_z
from workflows.event_delivery import ReplayRequest, workflow_id_for

log = get_logger(__name__)
router = APIRouter(prefix="/ops/v1/deliveries", tags=["event deliveries"])

DELIVERY_FILTERS = {"state": "state", "subscriptionId": "consumer_id", "orderId": "order_id"}


def delivery_view(record: EventDeliveryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "subscriptionId": record.consumer_id,
        "eventId": record.event_id,
        "eventType": record.event_type,
        "orderId": record.order_id,
        "state": record.state,
        "attempts": record.attempts,
        "lastError": record.last_error,
        "createdAt": iso_z(record.created_at),
        "updatedAt": iso_z(record.updated_at),
        "deliveredAt": iso_z(record.delivered_at) if record.delivered_at else None,
    }


def _found(delivery_id: str) -> EventDeliveryRecord:
    record = hub.get_delivery(delivery_id)
    if record is None:
        raise TmfError(404, "NotFound", f"No delivery with id '{delivery_id}'")
    return record


@router.get(
    "",
    summary="List deliveries (filters: state, subscriptionId, orderId)",
    dependencies=[requires(Permission.DELIVERY_MANAGE)],
)
def list_deliveries(request: Request) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), DELIVERY_FILTERS)
    state = params.get("state")
    if state is not None and state not in DeliveryState.ALL:
        raise TmfError(400, "InvalidQuery", f"state must be one of {list(DeliveryState.ALL)}")
    page = parse_page(params)
    criteria = {attr: params[name] for name, attr in DELIVERY_FILTERS.items() if name in params}
    found, total = hub.list_deliveries(hub.DeliveryFilter(**criteria), page.offset, page.limit)
    body = [delivery_view(r) for r in found]
    return JSONResponse(body, headers=count_headers(total, len(body)))


@router.get(
    "/{delivery_id}", summary="A delivery", dependencies=[requires(Permission.DELIVERY_MANAGE)]
)
def retrieve_delivery(delivery_id: str) -> JSONResponse:
    return JSONResponse(delivery_view(_found(delivery_id)))


@router.post(
    "/{delivery_id}/replay",
    status_code=202,
    summary="Deliver a dead letter again",
    dependencies=[requires(Permission.DELIVERY_MANAGE)],
)
async def replay_delivery(delivery_id: str) -> JSONResponse:
    record = await run_in_threadpool(_found, delivery_id)
    if record.consumer_id == COURTESY_CONSUMER_ID:
        consumer = Consumer(kind=ConsumerKind.COURTESY, id=record.consumer_id)
    else:
        consumer = Consumer(kind=ConsumerKind.WEBHOOK, id=record.consumer_id)
        if await run_in_threadpool(hub.get_subscription, record.consumer_id) is None:
            raise TmfError(409, "SubscriptionDeleted", "The delivery's subscription is deleted")
    replaying = await run_in_threadpool(hub.mark_replaying, delivery_id)
    if replaying is None:
        raise TmfError(409, "NotDead", f"Only dead deliveries are replayed (is {record.state})")
    event = EventRef(
        seq=record.event_seq,
        event_id=record.event_id,
        order_id=record.order_id,
        event_type=record.event_type,
    )
    try:
        handle = (await get_client()).get_workflow_handle(workflow_id_for(consumer))
        await handle.signal("replay", ReplayRequest(event=event))
    except (RPCError, RuntimeError, OSError) as err:
        await run_in_threadpool(hub.set_delivery_state, delivery_id, DeliveryState.DEAD)
        log.warning("replay failed", delivery_id=delivery_id, error=str(err))
        raise TmfError(
            409, "DeliveryNotRunning", "The subscription's delivery workflow is not running"
        ) from err
    log.info("replay requested", delivery_id=delivery_id, consumer=consumer.id)
    return JSONResponse(status_code=202, content=delivery_view(replaying))
