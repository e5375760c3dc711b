"""An accepted order whose workflow cannot start ends `rejected`, with the reason, at once.

Validation before the 201 keeps such orders out (api/json_limits.py, api/order_limits.py), but
whatever still fails to start (a payload past Temporal's limit, a search attribute the server
refuses, a value the data converter cannot write) would otherwise stay `acknowledged` forever,
and the admission loop would try it every round. Temporal being unreachable is not such a
failure: that order waits and starts later.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio.service import RPCError, RPCStatusCode

from tmf.events import EventType, OrderEvent
from tmf.product_order import OrderErrorMessage, OrderState, ProductOrder

# Refusals by the server that no retry changes: a bad argument (a payload or search attribute
# past its limit) or a request the server will never take.
PERMANENT_STATUSES = {RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.OUT_OF_RANGE}
# What a start fails with while Temporal is unreachable or busy: the order waits.
TRANSIENT_ERRORS = (RPCError, RuntimeError, OSError)


def is_permanent(err: BaseException) -> bool:
    if isinstance(err, RPCError):
        return err.status in PERMANENT_STATUSES
    return not isinstance(err, TRANSIENT_ERRORS)


def rejected_order(order: ProductOrder, err: BaseException, now: datetime) -> ProductOrder:
    """The order as it ends when its workflow cannot start: rejected, the cause in errorMessage."""
    detail = str(err)[:500] or type(err).__name__
    return order.model_copy(
        update={
            "state": OrderState.REJECTED,
            "completion_date": now.astimezone(UTC),
            "error_message": [
                OrderErrorMessage(
                    code="NotStartable",
                    reason="The order was accepted but its processing could not start",
                    message=f"{type(err).__name__}: {detail}",
                )
            ],
        }
    )


def rejection_event(order: ProductOrder, now: datetime) -> OrderEvent:
    return OrderEvent(
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{order.id}/not-startable")),
        event_type=EventType.ORDER_STATE_CHANGE,
        event_time=now,
        title="Order rejected",
        actor="tessera",
        reason="its processing could not start",
        priority=order.priority,
        detail={"state": OrderState.REJECTED.value},
    )
