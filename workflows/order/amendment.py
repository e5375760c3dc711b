"""How an amendment changes a running order: pure, so the order workflow replays it the same.

Task by task, new plan against the executing one: not started and no longer needed -> discarded;
running and no longer needed -> finishes, then is undone (a wait or manual job is withdrawn
instead: it has done nothing yet); completed and no longer needed -> undone; changed and
completed -> undone and done again; changed and running -> finishes, then redone (an open manual
job keeps its worker and gets the new data); new -> done.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from decomposition.catalog import TaskKind
from decomposition.plan import Plan, diff
from decomposition.pricing import OrderPricing
from tmf.events import EventType
from tmf.merge_patch import merge_patch
from tmf.product_order import (
    SERVER_ITEM_FIELDS,
    Amendment,
    ItemState,
    ProductOrder,
    ProductOrderItem,
)
from workflows.bundle_items import affected_items as bundle_affected_items
from workflows.messages import AmendOrder, UpdateTaskData
from workflows.plan_execution import ACTIVE, PlanExecution, TaskRun, TaskStatus

if TYPE_CHECKING:
    from workflows.order.book import OrderBook


class PlanDelta(BaseModel):
    discarded: list[str] = Field(default_factory=list)
    compensated: list[str] = Field(default_factory=list)  # undone now
    retire_when_done: list[str] = Field(default_factory=list)  # running: undone once finished
    redone: list[str] = Field(default_factory=list)  # undone now, then run again
    redo_when_done: list[str] = Field(default_factory=list)  # running: redone once finished
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)  # not started: runs with the new data


def plan_delta(execution: PlanExecution, new_plan: Plan) -> PlanDelta:
    changes = diff(execution.plan, new_plan)
    delta = PlanDelta(added=list(changes.added))
    for task_id in changes.removed:
        status = execution.runs[task_id].status
        if status == TaskStatus.COMPLETED:
            delta.compensated.append(task_id)
        elif status in ACTIVE:
            delta.retire_when_done.append(task_id)
        else:
            delta.discarded.append(task_id)
    for task_id in changes.changed:
        status = execution.runs[task_id].status
        if status == TaskStatus.COMPLETED:
            delta.redone.append(task_id)
        elif status in ACTIVE:
            delta.redo_when_done.append(task_id)
        else:
            delta.updated.append(task_id)
    return delta


class AmendmentSteps(BaseModel):
    """What the workflow does for an amendment, in this order."""

    delta: PlanDelta
    undo_now: list[str]  # completed, unwanted or changed: undone now, latest first
    withdrawn: list[str]  # running waits and manual jobs no longer wanted: stopped, not undone
    reworked: list[str]  # running manual jobs that changed: their worker gets the new data

    @property
    def redo_when_done(self) -> list[str]:
        return [t for t in self.delta.redo_when_done if t not in self.reworked]


def amendment_steps(execution: PlanExecution, new_plan: Plan) -> AmendmentSteps:
    delta = plan_delta(execution, new_plan)
    old_plan = execution.plan
    undo = set(delta.compensated) | set(delta.redone)
    return AmendmentSteps(
        delta=delta,
        undo_now=[t for t in reversed(old_plan.topological_order()) if t in undo],
        withdrawn=[
            t for t in delta.retire_when_done if old_plan.task(t).kind != TaskKind.AUTOMATED
        ],
        reworked=[t for t in delta.redo_when_done if old_plan.task(t).kind == TaskKind.MANUAL],
    )


def rework_notice(new_plan: Plan, task_id: str, next_version: int) -> UpdateTaskData:
    return UpdateTaskData(
        task_id=task_id,
        params=new_plan.task(task_id).params,
        note=f"order amended (version {next_version}): check the new data",
    )


def runs_after(execution: PlanExecution, new_plan: Plan, delta: PlanDelta) -> dict[str, TaskRun]:
    """The runs of the new plan: new tasks fresh, redone ones a new run, the rest as they are."""
    runs: dict[str, TaskRun] = {}
    for task in new_plan.tasks:
        run = execution.runs.get(task.id)
        if run is None:
            runs[task.id] = TaskRun(task_id=task.id)
        elif task.id in delta.redone:
            runs[task.id] = TaskRun(task_id=task.id, run=run.run + 1)
        else:
            runs[task.id] = run
    return runs


def amended_order(
    order: ProductOrder, cancelled_items: set[str], patch: dict[str, object]
) -> ProductOrder:
    """The order as the merge patch makes it (raises ValidationError or ValueError if invalid)."""
    current = order.to_tmf()
    current["productOrderItem"] = [
        i for i in current["productOrderItem"] if i["id"] not in cancelled_items
    ]
    return ProductOrder.model_validate(merge_patch(current, patch))


def item_request(item: ProductOrderItem) -> dict[str, object]:
    """What the customer asked of an item, without what the server added."""
    fields = set(SERVER_ITEM_FIELDS)
    return item.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=fields)


def affected_items(
    order: ProductOrder, cancelled_items: set[str], amended: ProductOrder, child_links: bool = False
) -> list[str]:
    """Items the amendment removes or changes (added items affect nothing running); a bundle's
    child items one by one (`workflows/bundle_items.py`)."""
    return bundle_affected_items(
        order.product_order_item, amended.product_order_item, cancelled_items, child_links
    )


def amendment_record(
    steps: AmendmentSteps,
    version: int,
    date: datetime,
    actor: str | None,
    reason: str | None,
    items_before: set[str],
    items_after: set[str],
    changed_items: list[str],
) -> Amendment:
    """What the order's `amendment` list shows of this change."""
    delta = steps.delta
    return Amendment(
        version=version,
        date=date,
        actor=actor,
        reason=reason,
        added_items=sorted(items_after - items_before),
        removed_items=sorted(items_before - items_after),
        changed_items=changed_items,
        discarded=[*delta.discarded, *steps.withdrawn],
        compensated=[
            *delta.compensated,
            *(t for t in delta.retire_when_done if t not in steps.withdrawn),
        ],
        redone=[*delta.redone, *steps.redo_when_done],
        updated=[*delta.updated, *steps.reworked],
        added=delta.added,
    )


def apply(
    book: OrderBook,
    request: AmendOrder,
    amended: ProductOrder,
    plan: Plan,
    pricing: OrderPricing | None,
    steps: AmendmentSteps,
    now: datetime,
) -> None:
    """The new plan and order take over (once the undos and withdrawals were sent): removed
    items are cancelled (kept in the order), the version goes up and an amendment is recorded."""
    order, execution = book.order, book.plan
    book.redo |= set(steps.redo_when_done)
    execution.runs = runs_after(execution, plan, steps.delta)
    execution.plan = plan
    execution.reschedule(now)
    before = {i.id for i in order.product_order_item if i.id not in book.cancelled_items}
    after = {i.id for i in amended.product_order_item}
    removed = before - after
    changed = sorted(set(book.affected_items(amended)) - removed)
    kept = [i for i in order.product_order_item if i.id in book.cancelled_items or i.id in removed]
    for item in kept:
        if item.id in removed:
            item.state = ItemState.CANCELLED
            book.cancelled_items.add(item.id)
    order.product_order_item = [*amended.product_order_item, *kept]
    for field in ("requested_completion_date", "requested_start_date", "description", "note"):
        setattr(order, field, getattr(amended, field))
    if pricing is not None:
        order.order_total_price = pricing.order_total_price
        book.product_prices = pricing.product_price
        for item in order.all_items():
            if item.id not in book.cancelled_items:
                item.item_price = pricing.item_price.get(item.id)
    order.version += 1
    record = amendment_record(
        steps, order.version, now, request.actor, request.reason, before, after, changed
    )
    order.amendment = [*(order.amendment or []), record]
    book.emit(
        now,
        EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
        f"Order amended (version {order.version})",
        actor=request.actor,
        actor_role=request.actor_role,
        reason=request.reason,
        amendment=record.model_dump(mode="json", by_alias=True),
    )
    book.refresh_items(now)
