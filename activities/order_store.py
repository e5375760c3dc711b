"""The workflow's writes to the order projection in the store."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import activity

from activities.logging_context import bind_activity_context
from log import get_logger
from store import cancellations, orders
from tmf.cancel_order import CancelProductOrder
from tmf.events import OrderEvent
from tmf.product_order import ProductOrder

log = get_logger(__name__)


class SaveOrderInput(BaseModel):
    order: ProductOrder
    # The workflow's write counter: the idempotency key of this write (a retry writes the same).
    revision: int
    # Events since the last write, for the outbox (same transaction as the snapshot).
    events: list[OrderEvent] = []


@activity.defn(name="store.save_order")
def save_order(input: SaveOrderInput) -> bool:
    bind_activity_context(input.order.id)
    written = orders.save_order(input.order, input.revision, input.events)
    log.info(
        "order saved",
        state=input.order.state.value,
        revision=input.revision,
        events=len(input.events),
        written=written,
    )
    return written


class SaveCancellationInput(BaseModel):
    cancellation: CancelProductOrder
    revision: int


@activity.defn(name="store.save_cancellation")
def save_cancellation(input: SaveCancellationInput) -> bool:
    bind_activity_context(input.cancellation.product_order.id)
    written = cancellations.save_cancellation(input.cancellation, input.revision)
    log.info("cancellation saved", state=input.cancellation.state.value, written=written)
    return written
