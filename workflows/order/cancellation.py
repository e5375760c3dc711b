"""Whether a cancellation goes ahead, and how the order lets go of its work. Pure.

Denied when any item still in the order passed its point of no return (the blocking items are
named); otherwise running waits, manual jobs and held or fallen-out tasks are withdrawn (they
have done nothing yet), running system calls finish, and every completed task is undone,
latest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from decomposition.catalog import TaskKind
from tmf.cancel_order import CancelProductOrder, CancelState
from tmf.events import EventType
from tmf.product_order import ItemState, ProductOrder
from workflows.order.ponr import blocking_items
from workflows.plan_execution import ACTIVE, PlanExecution, TaskStatus

if TYPE_CHECKING:
    from workflows.order.book import OrderBook


def blocking(
    order: ProductOrder,
    cancelled_items: set[str],
    execution: PlanExecution,
    overrides: Mapping[str, str],
) -> list[str]:
    """The items that deny the cancellation: empty when it may go ahead."""
    live = [i.id for i in order.product_order_item if i.id not in cancelled_items]
    return blocking_items(execution, overrides, live)


def deny(cancellation: CancelProductOrder, blocked: list[str]) -> None:
    cancellation.state = CancelState.TERMINATED_WITH_ERROR
    cancellation.error_message = (
        f"PointOfNoReturn: item(s) {', '.join(blocked)} passed their point of no return"
    )


def to_withdraw(execution: PlanExecution, withdrawn: set[str]) -> list[str]:
    """Active tasks that have done nothing yet and were not withdrawn already, in plan order.

    A running system call may already have acted: it finishes, then is undone. Asked again after
    each message: a call that fails meanwhile falls out and is withdrawn then."""
    return [
        t.id
        for t in execution.plan.tasks
        if t.id not in withdrawn
        and (
            execution.runs[t.id].status in {TaskStatus.HELD, TaskStatus.FALLOUT}
            or (execution.runs[t.id].status == TaskStatus.RUNNING and t.kind != TaskKind.AUTOMATED)
        )
    ]


def to_undo(execution: PlanExecution) -> list[str]:
    """Completed tasks, latest first (the undo skips those already undone or without one)."""
    return [
        task_id
        for task_id in reversed(execution.plan.topological_order())
        if execution.runs[task_id].status == TaskStatus.COMPLETED
    ]


def finish(order: ProductOrder, cancellation: CancelProductOrder, now: datetime) -> None:
    """Everything is undone: the order and its items are cancelled."""
    for item in order.all_items():  # a bundle's nested items too
        item.state = ItemState.CANCELLED
    order.cancellation_date = now
    order.cancellation_reason = cancellation.cancellation_reason
    order.completion_date = now


def done(order: ProductOrder, cancellation: CancelProductOrder, now: datetime) -> None:
    """The cancellation took effect: the order is cancelled, the request done."""
    finish(order, cancellation, now)
    cancellation.state = CancelState.DONE
    cancellation.effective_cancellation_date = now


def to_save(book: OrderBook, now: datetime) -> tuple[CancelProductOrder, int]:
    """The cancellation and its next store revision (its state change is an event)."""
    assert book.cancellation is not None
    book.cancel_revision += 1
    book.emit(
        now,
        EventType.CANCEL_STATE_CHANGE,
        f"Cancellation {book.cancellation.state.value}",
        reason=book.cancellation.error_message,
        cancelProductOrderId=book.cancellation.id,
        state=book.cancellation.state.value,
    )
    return book.cancellation, book.cancel_revision


def released(execution: PlanExecution, running_retired: int) -> bool:
    """Every domain order has let go: nothing active, no removed task still running."""
    return not any(r.status in ACTIVE for r in execution.runs.values()) and not running_retired
