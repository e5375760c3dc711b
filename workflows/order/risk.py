"""Jeopardy shown on the order: the assessment of `workflows/jeopardy.py` written to the order,
its items and tasks, and the events and search attribute its changes call for. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tmf.common import iso_z
from tmf.events import EventType
from tmf.product_order import OrderJeopardy, ProductOrder, TaskAtRisk
from workflows.jeopardy import JeopardyLevel, assess
from workflows.policy import OrderPolicy

if TYPE_CHECKING:
    from workflows.order.book import OrderBook


def due_date(order: ProductOrder, policy: OrderPolicy) -> datetime:
    """The requested completion date, else the order date plus the policy's hours by priority."""
    if order.requested_completion_date is not None:
        return order.requested_completion_date
    return order.order_date + timedelta(hours=policy.due_hours(order.priority))


def assess_order(book: OrderBook, now: datetime) -> str | None:
    """Assess and show the order's jeopardy; the level for the search attribute, if it is to be
    written (at the first assessment and at every change)."""
    execution = book.plan
    due = due_date(book.order, book.policy)
    found = assess(
        execution,
        now,
        due,
        book.policy.jeopardy_warning_share,
        order_from_forecast=book.order_from_forecast,
        not_before=book.order.requested_start_date if book.until_start(now) else None,
    )
    before = book.jeopardy
    book.jeopardy = found
    levels = {t.task_id: t.level.value for t in found.tasks}
    # Set only what changed: a pydantic assignment costs, and an order has thousands of tasks.
    for task_id, run in execution.runs.items():
        level = levels.get(task_id, JeopardyLevel.NONE.value)
        if run.jeopardy != level:
            run.jeopardy = level
    # In one pass over the tasks at risk (asking item by item walked them all for every item: a
    # third of a 1,000-item order's replay, issue 24).
    worst_of_item = found.item_levels()
    for item in book.order.product_order_item:
        item_level = worst_of_item.get(item.id, JeopardyLevel.NONE).value
        if item.jeopardy != item_level:
            item.jeopardy = item_level
    book.order.jeopardy = OrderJeopardy(
        level=found.level.value,
        cause=found.cause,
        due_date=found.due,
        forecast_completion_date=found.forecast,
        tasks=[
            TaskAtRisk(task_id=t.task_id, item_id=t.item_id, level=t.level.value, cause=t.cause)
            for t in found.tasks
        ],
    )
    previous = {t.task_id: t.level for t in before.tasks} if before else {}
    if (
        before is not None
        and before.level == found.level
        and previous == {t.task_id: t.level for t in found.tasks}
    ):
        return None
    if before is None and found.level == JeopardyLevel.NONE:
        return found.level.value
    book.emit(
        now,
        EventType.ORDER_JEOPARDY,
        f"Jeopardy {found.level.value}",
        reason=found.cause,
        level=found.level.value,
        previousLevel=before.level.value if before else JeopardyLevel.NONE.value,
        dueDate=iso_z(found.due),
        forecastCompletionDate=iso_z(found.forecast),
        # As `to_tmf()` writes each (every field set): a large order has hundreds at risk, and a
        # model dump each took most of an assessment (issue 24).
        tasks=[
            {"taskId": t.task_id, "itemId": t.item_id, "level": t.level, "cause": t.cause}
            for t in book.order.jeopardy.tasks
        ],
    )
    return found.level.value


def clear(book: OrderBook, now: datetime) -> bool:
    """A closed order is at risk of nothing; True when the search attribute must be reset."""
    if book.order.jeopardy is None:
        return False
    was = book.order.jeopardy.level
    book.order.jeopardy = book.order.jeopardy.model_copy(
        update={"level": JeopardyLevel.NONE.value, "cause": None, "tasks": []}
    )
    for item in book.order.product_order_item:
        item.jeopardy = JeopardyLevel.NONE.value
    book.jeopardy = None
    if was != JeopardyLevel.NONE.value:
        book.emit(
            now,
            EventType.ORDER_JEOPARDY,
            "Jeopardy cleared",
            level=JeopardyLevel.NONE.value,
            previousLevel=was,
        )
    return True
