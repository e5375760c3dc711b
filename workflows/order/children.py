"""The domain orders' children of a large order (issue 24). Pure.

Temporal holds at most 2,000 pending child workflows (and 2,000 pending signals) per workflow,
and one workflow task's commands travel in one gRPC message (4 MB). An order keeps each domain
order's child open until it closes, and starts the children of every task ready at once: a
1,000-item order has 3,501 children, 2,166 of them ready in its first workflow task. So a large
order (more than `LARGE_ABOVE` domain orders with tasks) closes a child as soon as its domain
order has nothing left to run, keeps at most `OPEN_LIMIT` children open or closing (the tasks of
a domain order whose child cannot start yet wait, pending, for a slot), and has at most
`PER_ROUND` child starts and signals awaiting their acknowledgement. Behind
`workflow.patched(LARGE_ORDER)`, asked only for such plans, so other orders' histories carry no
marker and replay as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from decomposition.catalog import TaskKind
from decomposition.plan import Plan, PlanTask
from workflows.plan_execution import ACTIVE, TERMINAL, PlanExecution

LARGE_ORDER = "large-order-children"
# A 200-item order (the size limit before issue 24) has ~700: such orders behave as before.
LARGE_ABOVE = 1000
# Below Temporal's 2,000 pending children, with room for the closing ones to settle.
OPEN_LIMIT = 1500
# Child starts, signals and closes awaiting their acknowledgement at any time (250 starts take ~1 MB
# of commands). Their acknowledgements arrive while the order's next workflow task runs, and the
# server force-fails a workflow task once more than 100 events were buffered during it
# (`history.maximumBufferedEventsBatch`), which evicts the order from its worker's cache: a replay
# from the start. So few, leaving room for the children's reports (issue 24).
PER_ROUND = 40
# A child of an earlier run that this run closed ends by itself, a moment after its close signal
# (a run cannot await another run's child): a start of its domain order's next child that finds
# it still running waits and tries again, at most this many times (a continued order failed with
# WorkflowAlreadyStartedError in one test run of session 13). Patched: new histories only.
RESTART_CLOSED_CHILD = "restart-closed-child"
RESTART_ATTEMPTS = 60


def is_large(plan: Plan) -> bool:
    return len({t.domain_order_id for t in plan.tasks}) > LARGE_ABOVE


def within_slots(
    tasks: list[PlanTask], open_children: Collection[str], room: int
) -> list[PlanTask]:
    """The ready tasks that can go now: those of an open child, milestones (the order finishes
    them itself), and those of at most `room` new children, in plan order."""
    kept: list[PlanTask] = []
    new: set[str] = set()
    for task in tasks:
        domain_order = task.domain_order_id
        if task.kind == TaskKind.MILESTONE or domain_order in open_children or domain_order in new:
            kept.append(task)
        elif len(new) < room:
            new.add(domain_order)
            kept.append(task)
    return kept


def tasks_by_domain_order(plan: Plan) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for task in plan.tasks:
        found.setdefault(task.domain_order_id, []).append(task.id)
    return found


def to_close(
    execution: PlanExecution, by_domain_order: dict[str, list[str]], open_children: Iterable[str]
) -> list[str]:
    """Open children whose domain order has nothing left to run (every task ended); when the
    order is stalled (tasks wait for a slot and none runs), also those with nothing running."""
    runs = execution.runs
    children = list(open_children)
    finished = [
        d
        for d in children
        if all(runs[t].status in TERMINAL for t in by_domain_order.get(d, ()) if t in runs)
    ]
    if finished or any(r.status in ACTIVE for r in runs.values()) or not execution.ready():
        return finished
    return [d for d in children if not any(runs[t].status in ACTIVE for t in by_domain_order[d])]
