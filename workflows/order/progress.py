"""What a domain order's report does to the order: a task finished, is held, or fell out. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from decomposition.plan import PlanTask
from tmf.events import EventType
from tmf.product_order import Milestone, OrderErrorMessage
from workflows.messages import TASK_CANCELLED, FalloutNotice, TaskFinished, TaskHeld, TaskReassigned
from workflows.plan_execution import TaskRun, TaskStatus

if TYPE_CHECKING:
    from workflows.order.book import OrderBook


def handle(
    book: OrderBook,
    message: TaskFinished | TaskHeld | FalloutNotice | TaskReassigned,
    now: datetime,
) -> None:
    execution = book.plan
    if message.task_id in book.retired:
        # Removed by an amendment while it ran: what it did is undone once it is done.
        if isinstance(message, TaskFinished):
            task, run = book.retired.pop(message.task_id)
            if message.succeeded:
                book.undo_queue.append((task, run))
        return
    task = execution.plan.task(message.task_id)
    if isinstance(message, TaskFinished) and message.task_id in book.redo:
        book.redo.discard(message.task_id)
        finished = execution.finish(message)
        if message.succeeded:
            # Changed by an amendment while it ran: undo the old effect, run it anew.
            book.undo_queue.append((task, finished.model_copy()))
            execution.runs[task.id] = TaskRun(task_id=task.id, run=finished.run + 1)
            execution.reschedule(now)
        return
    if isinstance(message, TaskFinished):
        execution.finish(message)
        _note_milestone(book, task, message, now)
        if not message.succeeded and message.error_type != TASK_CANCELLED:
            book.order.error_message = [
                *(book.order.error_message or []),
                OrderErrorMessage(
                    code="TaskFailed",
                    reason=f"task '{task.name}' failed: {message.error}",
                    productOrderItem=[task.root_item_id],
                ),
            ]
    elif isinstance(message, TaskHeld):
        execution.set_status(task.id, TaskStatus.HELD if message.held else TaskStatus.RUNNING)
    elif isinstance(message, TaskReassigned):
        book.emit(
            now,
            EventType.TASK_ASSIGNED,
            f"Task '{task.name}' assigned to {message.assignee}",
            actor=message.actor,
            actor_role=message.actor_role,
            reason=message.reason,
            taskId=task.id,
            itemId=task.root_item_id,
            assignee=message.assignee,
            previousAssignee=message.previous,
        )
    else:
        _note_fallout(book, task, message, now)


def _note_milestone(book: OrderBook, task: PlanTask, outcome: TaskFinished, now: datetime) -> None:
    if task.milestone is None or not outcome.succeeded:
        return
    book.emit(
        now,
        EventType.ORDER_MILESTONE,
        f"Milestone {task.milestone} reached",
        milestone=task.milestone,
        itemId=task.root_item_id,
        taskId=task.id,
    )
    book.order.milestone = [
        *(book.order.milestone or []),
        Milestone(
            id=task.id,
            name=task.milestone,
            milestone_date=outcome.ended_at,
            productOrderItem=[task.root_item_id],
        ),
    ]


def _note_fallout(book: OrderBook, task: PlanTask, notice: FalloutNotice, now: datetime) -> None:
    execution = book.plan
    detail = {"caseId": notice.case_id, "taskId": task.id, "itemId": task.root_item_id}
    if notice.action == "opened":
        execution.set_status(task.id, TaskStatus.FALLOUT)
        execution.runs[task.id].fallout_case_id = notice.case_id
        book.emit(
            now,
            EventType.FALLOUT_OPENED,
            f"Task '{task.name}' fell out",
            reason=notice.error,
            errorType=notice.error_type,
            system=task.system,
            **detail,
        )
    elif notice.action == "assign":
        book.emit(
            now,
            EventType.FALLOUT_ASSIGNED,
            f"Fallout of '{task.name}' assigned to {notice.assignee or notice.actor}",
            actor=notice.actor,
            actor_role=notice.actor_role,
            reason=notice.note,
            **detail,
        )
    else:
        if notice.action == "retry":
            execution.set_status(task.id, TaskStatus.RUNNING)
        book.emit(
            now,
            EventType.FALLOUT_RESOLVED,
            f"Fallout of '{task.name}' resolved: {notice.action}",
            actor=notice.actor,
            actor_role=notice.actor_role,
            reason=notice.note,
            action=notice.action,
            **detail,
        )
