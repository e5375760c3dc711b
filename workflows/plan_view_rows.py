"""A large order's plan view in the store (issue 24): with each store write, the rows that
changed since the last one.

While an order runs, its plan and timeline come from its workflow's `get_plan` query. For a
1,000-item order that query waited behind the workflow's own work and its children's on the
worker (2.4-4.2 s to answer). A large order therefore also keeps its view in the store: each
of its store writes (at most every 2 s while it moves) carries the rows whose task run changed,
and the API reads them without asking the worker. Pure and deterministic: workflow state.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from workflows.plan_execution import PlanExecution, TaskRun
from workflows.plan_view import compensation_view, task_view

# Rows sent with one store write at most: the first write of a 1,000-item order would carry
# 7,500 rows (about 3 MB of JSON made in one workflow activation, beside the first dispatch,
# whose CPU already nears the 2 s deadlock detector); the rest go with the next writes.
ROWS_PER_WRITE = 1_500


class PlanViewRow(BaseModel):
    task_id: str  # a compensation's row: its task's id + "~undo"
    position: int  # in the plan's task order; compensations after every task
    compensation: bool = False
    row: dict[str, Any]  # the task's PlanTaskView as JSON


class PlanViewChanges(BaseModel):
    """What one store write changes of the stored view."""

    # The view's parts that change only with the plan (catalog_version, domain_orders,
    # deferred) and its task count; sent with the first write of each plan.
    header: dict[str, Any] | None = None
    tasks: int = 0  # the plan's task count: the stored view is whole once it has that many rows
    replace: bool = False  # a new plan in this run: stored rows of tasks it no longer has go
    rows: list[PlanViewRow] = Field(default_factory=list)


def _fingerprint(run: TaskRun) -> tuple[object, ...]:
    """Every field of a run that its view rows show."""
    return (
        run.status,
        run.jeopardy,
        run.fallout_case_id,
        run.planned_start,
        run.planned_end,
        run.actual_start,
        run.actual_end,
        run.error,
        run.error_type,
        run.compensated,
        run.undo_start,
        run.undo_end,
    )


class PlanViewSync:
    """What this run has sent of the view, as a fingerprint per task (a new run sends it all)."""

    def __init__(self) -> None:
        self._tasks: object = None  # the plan's task list the fingerprints are of
        self._sent: dict[str, tuple[object, ...]] = {}

    def changes(self, execution: PlanExecution, limit: int = ROWS_PER_WRITE) -> PlanViewChanges:
        plan = execution.plan
        changes = PlanViewChanges(tasks=len(plan.tasks))
        if plan.tasks is not self._tasks:
            # A new plan in this run (an amendment) replaces the stored rows. A run's first plan
            # does not: it is the stored one (a run continued as new carries its plan), whose
            # rows stay readable while this run sends them again (at each hand-over of a
            # 1,000-item order the view fell back to the query for ~10 s: 2.0-2.4 s a GET).
            changes.replace = self._tasks is not None
            self._tasks, self._sent = plan.tasks, {}
            changes.header = {
                "catalog_version": plan.catalog_version,
                "domain_orders": [d.model_dump(mode="json") for d in plan.domain_orders],
                "deferred": [d.model_dump(mode="json") for d in plan.deferred],
            }
        after_tasks = len(plan.tasks)
        for position, task in enumerate(plan.tasks):
            run = execution.runs[task.id]
            mark = _fingerprint(run)
            if self._sent.get(task.id) == mark:
                continue
            if len(changes.rows) >= limit:
                break  # the next write sends the rest
            self._sent[task.id] = mark
            view = task_view(task, run)
            changes.rows.append(
                PlanViewRow(task_id=task.id, position=position, row=view.model_dump(mode="json"))
            )
            undo = compensation_view(task, run)
            if undo is not None:
                changes.rows.append(
                    PlanViewRow(
                        task_id=undo.id,
                        position=after_tasks + position,
                        compensation=True,
                        row=undo.model_dump(mode="json"),
                    )
                )
        return changes
