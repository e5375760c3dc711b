"""The workflow's writes to the order projection in the store."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import activity

from activities.logging_context import bind_activity_context
from observability.logs import get_logger
from observability.metrics import count_closed
from store import cancellations, orders
from store.plan_rows import PlanRowsWrite, final_view_rows
from tmf.cancel_order import CancelProductOrder
from tmf.events import OrderEvent
from tmf.product_order import ProductOrder
from workflows.plan_execution import PlanExecution
from workflows.plan_view import PLAN_VIEW, order_plan_view
from workflows.plan_view_rows import PlanViewChanges

log = get_logger(__name__)


class SaveOrderInput(BaseModel):
    order: ProductOrder
    # The workflow's write counter: the idempotency key of this write (a retry writes the same).
    revision: int
    # Events since the last write, for the outbox (same transaction as the snapshot).
    events: list[OrderEvent] = []
    # Sent once the order has closed: its plan with every task's run, kept in the store so that
    # the plan and timeline outlive the workflow's history (None while open, or never planned).
    execution: PlanExecution | None = None
    # A large order while open: the rows of its plan view that changed since its last write.
    plan_view: PlanViewChanges | None = None


def plan_rows_write(changes: PlanViewChanges | None) -> PlanRowsWrite | None:
    if changes is None or (changes.header is None and not changes.rows):
        return None
    return PlanRowsWrite(
        header=changes.header,
        tasks=changes.tasks,
        replace=changes.replace,
        rows=[row.model_dump() for row in changes.rows],
    )


@activity.defn(name="store.save_order")
def save_order(input: SaveOrderInput) -> bool:
    bind_activity_context(input.order.id)
    execution, rows = None, plan_rows_write(input.plan_view)
    if input.execution is not None:
        execution = input.execution.model_dump(mode="json")
        # The closed order's view, made once: its plan and timeline read it as it is (issue 24),
        # and a large order's kept rows become its rows.
        view = order_plan_view(input.order.id, input.order.state, input.execution)
        execution[PLAN_VIEW] = view.model_dump(mode="json")
        rows = final_view_rows(execution[PLAN_VIEW])
    write = orders.write_order_snapshot(input.order, input.revision, input.events, execution, rows)
    written = write.written
    if write.closed_now:
        count_closed(input.order)
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
