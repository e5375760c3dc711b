"""Tasks with nothing to do: a milestone, a wait whose time has come. Pure.

Sent to their domain order, each costs a round trip of signals and workflow tasks on both sides
(about 18 history events) for no work (issue 24). The order finishes them itself, at dispatch,
with the result their domain order would have reported (`DomainOrderWorkflow._perform`).
"""

from __future__ import annotations

from datetime import datetime

from decomposition.catalog import TaskKind
from tmf.common import iso_z
from workflows.messages import RunTask, TaskFinished


def instant_outcome(request: RunTask, now: datetime) -> TaskFinished | None:
    """The task's outcome if it ends the moment it starts, else None (its domain order runs it)."""
    task = request.task
    if task.kind == TaskKind.MILESTONE:
        result: dict[str, object] = {"milestone": task.milestone or task.name}
    elif task.kind == TaskKind.WAIT_UNTIL:
        if request.wait_until is None:
            result = {}
        elif request.wait_until <= now:
            result = {"waitedUntil": iso_z(request.wait_until)}
        else:
            return None  # a durable timer: its domain order sleeps
    else:
        return None
    return TaskFinished(
        task_id=task.id, succeeded=True, started_at=now, ended_at=now, result=result
    )


def split(
    batches: dict[str, list[RunTask]], now: datetime
) -> tuple[dict[str, list[RunTask]], list[TaskFinished]]:
    """The batches without their instant tasks, and those tasks' outcomes (in plan order)."""
    remaining: dict[str, list[RunTask]] = {}
    finished: list[TaskFinished] = []
    for domain_order_id, batch in batches.items():
        for request in batch:
            outcome = instant_outcome(request, now)
            if outcome is None:
                remaining.setdefault(domain_order_id, []).append(request)
            else:
                finished.append(outcome)
    return remaining, finished
