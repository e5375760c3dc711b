"""An order's history: /ops/v1/orders/{id}/history, every event of the outbox, oldest first.

Events, amendments, fallout actions and agent decisions are all order events, each with the
actor who caused it and the reason given.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.identity import Caller, requires
from api.isolation import visible_order
from api.permissions import Permission
from store import orders
from store.event_tables import OrderEventRecord
from tmf.common import iso_z

router = APIRouter(prefix="/ops/v1/orders", tags=["order operations"])


def history_entry(record: OrderEventRecord) -> dict[str, Any]:
    return {
        "sequence": record.seq,
        "eventId": record.event_id,
        "eventTime": iso_z(record.event_time),
        "eventType": record.event_type,
        "title": record.body.get("title"),
        "actor": record.actor,
        "actorRole": (record.body.get("detail") or {}).get("actorRole"),
        "reason": record.reason,
        "detail": record.body.get("detail") or {},
    }


@router.get("/{order_id}/history", summary="Every event of the order, oldest first")
def order_history(order_id: str, caller: Caller = requires(Permission.ORDER_READ)) -> JSONResponse:
    visible_order(caller, order_id)
    return JSONResponse([history_entry(r) for r in orders.order_events(order_id)])
