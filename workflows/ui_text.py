"""What the Temporal UI shows of an order: summaries and details (user metadata).

Pure functions; the workflows call them in one line each. User metadata is NOT encrypted by the
payload codec, so these strings carry ids, offerings, actions, states, queues and times only,
never a characteristic's value (addresses, names, numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from decomposition.catalog import TaskKind
from decomposition.plan import DomainOrder, PlanTask
from tmf.product_order import ProductOrder
from workflows.plan_execution import PlanExecution, TaskStatus


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "not given"


def order_summary(order: ProductOrder) -> str:
    """One line: `Order 42: add fiber-broadband, add handset-nova-x5 for cust-42 (web)`."""
    items = ", ".join(
        f"{item.action.value} {item.product_offering.id if item.product_offering else 'product'}"
        for item in order.product_order_item
    )
    channel = order.channel_name() or "no channel"
    return f"Order {order.id}: {items} for {order.customer_id() or 'no customer'} ({channel})"


def order_details(order: ProductOrder) -> str:
    """The order at its start, as Markdown (the UI renders it)."""
    lines = [
        f"**Customer** {order.customer_id() or 'none'} · **channel** "
        f"{order.channel_name() or 'none'} · **priority** {order.priority or 'default'}",
        f"**Requested start** {_when(order.requested_start_date)} · **requested completion** "
        f"{_when(order.requested_completion_date)}",
        "",
        "| item | action | offering |",
        "|---|---|---|",
    ]
    for item in order.product_order_item:
        offering = item.product_offering.id if item.product_offering else "-"
        lines.append(f"| {item.id} | {item.action.value} | {offering} |")
    return "\n".join(lines)


def task_waits_for(task: PlanTask, status: TaskStatus, wait_until: datetime | None) -> str | None:
    """What a started, unfinished task waits for, in a fulfillment agent's words."""
    if status == TaskStatus.FALLOUT:
        return f"an agent on the fallout case of {task.name} (item {task.item_id})"
    if status == TaskStatus.HELD:
        return f"{task.system} back online for {task.name} (item {task.item_id})"
    if status != TaskStatus.RUNNING:
        return None
    if task.kind == TaskKind.MANUAL:
        return f"{task.name} in queue {task.queue or 'default'} (item {task.item_id})"
    if task.kind == TaskKind.WAIT_UNTIL:
        return f"{task.name} at {_when(wait_until)} (item {task.item_id})"
    return None


# The statuses a task can wait in (task_waits_for answers None for the others).
_WAITING = frozenset({TaskStatus.FALLOUT, TaskStatus.HELD, TaskStatus.RUNNING})


def _wait_end(
    task: PlanTask, status: TaskStatus, wait_until: Callable[[PlanTask], datetime | None]
) -> datetime | None:
    if status == TaskStatus.RUNNING and task.kind == TaskKind.WAIT_UNTIL:
        return wait_until(task)
    return None


def order_current_details(
    order: ProductOrder,
    execution: PlanExecution | None,
    wait_until: Callable[[PlanTask], datetime | None] = lambda _: None,
) -> str:
    """State, jeopardy and what the order waits for now (refreshed as the order goes)."""
    jeopardy = order.jeopardy.level if order.jeopardy else "none"
    lines = [f"**State** {order.state.value} · **jeopardy** {jeopardy}"]
    waits: list[str] = []
    if (review := order.open_review()) is not None:
        waits.append(f"{review.kind} review (rules {', '.join(review.rules)})")
    if execution is not None:
        tasks = {task.id: task for task in execution.plan.tasks}
        for task_id, run in execution.runs.items():
            task = tasks.get(task_id)
            if task is None or run.status not in _WAITING:
                continue
            # When a wait ends is asked only of a running wait (issue 24: asking every task
            # took most of this at 7,500 tasks).
            waiting = task_waits_for(task, run.status, _wait_end(task, run.status, wait_until))
            if waiting:
                waits.append(waiting)
        waits += [
            f"information for item {part.item_id}: {', '.join(part.missing)}"
            for part in execution.plan.deferred
            if part.missing
        ]
        running = sum(1 for run in execution.runs.values() if run.status == TaskStatus.RUNNING)
        done = sum(1 for run in execution.runs.values() if run.status == TaskStatus.COMPLETED)
        lines.append(f"**Tasks** {done} of {len(execution.runs)} done, {running} running")
    if waits:
        lines += ["", "**Waiting for**", *(f"- {waiting}" for waiting in waits)]
    return "\n".join(lines)


def domain_order_summary(domain_order: DomainOrder) -> str:
    """`service order cfs-internet-access (add) for item 1`."""
    what = f"{domain_order.domain.value} order {domain_order.spec_id}"
    return f"{what} ({domain_order.action.value}) for item {domain_order.item_id}"


def domain_order_details(order_id: str, domain_order: DomainOrder) -> str:
    return (
        f"**Order** {order_id} · **item** {domain_order.item_id} · **specification** "
        f"{domain_order.spec_id} · **offering** {domain_order.offering_id or '-'}"
        f" · **category** {domain_order.category or '-'}"
    )


def domain_order_current_details(
    running: list[PlanTask],
    wait_until: dict[str, datetime | None],
    manual_open: set[str],
    fallout: set[str],
    held: set[str],
) -> str:
    """What the domain order's started tasks wait for."""
    waits: list[str] = []
    for task in running:
        status = TaskStatus.RUNNING
        if task.id in fallout:
            status = TaskStatus.FALLOUT
        elif task.id in held:
            status = TaskStatus.HELD
        elif task.kind == TaskKind.MANUAL and task.id not in manual_open:
            continue  # its work item is not open yet
        if waiting := task_waits_for(task, status, wait_until.get(task.id)):
            waits.append(waiting)
    if not waits:
        return f"**Running** {len(running)} task(s); none waits on a person or a date"
    return "\n".join(["**Waiting for**", *(f"- {waiting}" for waiting in waits)])


def activity_summary(task: PlanTask, what: str | None = None) -> str:
    """`activation.activate_service: Activate service for item 1` (what the activity does)."""
    return f"{what or task.activity or task.key}: {task.name} for item {task.item_id}"


def timer_summary(task: PlanTask, why: str) -> str:
    return f"{why}: {task.name} for item {task.item_id}"
