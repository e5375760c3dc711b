"""The live state of a plan: which task runs, which is done, planned against actual times.

Pure and deterministic (times are passed in): the order workflow keeps one, and the plan and
timeline endpoints show it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from decomposition.plan import Plan, PlanTask
from tmf.product_order import ItemState
from workflows.messages import TaskFinished


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


TERMINAL = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED})


class TaskRun(BaseModel):
    task_id: str
    status: TaskStatus = TaskStatus.PENDING
    run: int = 1  # incremented when a task is redone, so its effect gets a new idempotency key
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    result: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None


class PlanExecution(BaseModel):
    plan: Plan
    runs: dict[str, TaskRun] = Field(default_factory=dict)

    @classmethod
    def start(cls, plan: Plan, now: datetime) -> PlanExecution:
        execution = cls(plan=plan)
        execution.add_runs(now)
        return execution

    def add_runs(self, now: datetime) -> None:
        """Track tasks the plan gained, and plan their times as soon as their dependencies allow."""
        for task in self.plan.tasks:
            self.runs.setdefault(task.id, TaskRun(task_id=task.id))
        self.reschedule(now)

    def reschedule(self, now: datetime) -> None:
        """Planned start/end of tasks not started yet: ASAP after their dependencies' ends."""
        ends: dict[str, datetime] = {}
        by_id = {t.id: t for t in self.plan.tasks}
        for task_id in self.plan.topological_order():
            run = self.runs[task_id]
            if run.status in TERMINAL and run.actual_end is not None:
                ends[task_id] = run.actual_end
                continue
            if run.status == TaskStatus.RUNNING and run.actual_start is not None:
                start = run.actual_start
            else:
                start = max([now, *(ends[d] for d in by_id[task_id].depends_on)])
            if run.status == TaskStatus.PENDING or run.planned_start is None:
                run.planned_start = start
                run.planned_end = start + timedelta(
                    seconds=by_id[task_id].expected_duration_seconds
                )
            ends[task_id] = max(run.planned_end or start, now)

    def ready(self) -> list[PlanTask]:
        done = [i for i, r in self.runs.items() if r.status == TaskStatus.COMPLETED]
        started = [i for i, r in self.runs.items() if r.status != TaskStatus.PENDING]
        # A task behind a failed one never becomes ready: its item has failed.
        return self.plan.ready_tasks(done, started)

    def mark_running(self, task_id: str, now: datetime) -> TaskRun:
        run = self.runs[task_id]
        run.status = TaskStatus.RUNNING
        run.actual_start = now
        return run

    def finish(self, outcome: TaskFinished) -> TaskRun:
        run = self.runs[outcome.task_id]
        run.status = TaskStatus.COMPLETED if outcome.succeeded else TaskStatus.FAILED
        run.actual_start = run.actual_start or outcome.started_at
        run.actual_end = outcome.ended_at
        run.result = outcome.result
        run.error = outcome.error
        run.error_type = outcome.error_type
        return run

    def blocked(self) -> set[str]:
        """Pending tasks that can never run because something they depend on failed."""
        failed = {i for i, r in self.runs.items() if r.status == TaskStatus.FAILED}
        blocked: set[str] = set()
        for task_id in self.plan.topological_order():
            task = self.plan.task(task_id)
            if self.runs[task_id].status == TaskStatus.PENDING and any(
                d in failed or d in blocked for d in task.depends_on
            ):
                blocked.add(task_id)
        return blocked

    def is_settled(self) -> bool:
        """Nothing runs and nothing more can start."""
        if any(r.status == TaskStatus.RUNNING for r in self.runs.values()):
            return False
        return not self.ready()

    def item_state(self, item_id: str) -> ItemState:
        runs = [self.runs[t.id] for t in self.plan.tasks if t.root_item_id == item_id]
        if not runs:
            return ItemState.COMPLETED
        if any(r.status == TaskStatus.FAILED for r in runs):
            return ItemState.FAILED
        if all(r.status == TaskStatus.COMPLETED for r in runs):
            return ItemState.COMPLETED
        return ItemState.IN_PROGRESS

    def point_of_no_return_passed(self, item_id: str) -> bool:
        """An item passes its point of no return when a task flagged so has started."""
        return any(
            t.point_of_no_return and self.runs[t.id].status != TaskStatus.PENDING
            for t in self.plan.tasks
            if t.root_item_id == item_id
        )
