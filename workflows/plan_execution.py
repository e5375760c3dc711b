"""The live state of a plan: which task runs, which is done, planned against actual times.

Pure and deterministic (times are passed in): the order workflow keeps one, and the plan and
timeline endpoints show it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from decomposition.plan import Plan, PlanTask
from tmf.product_order import ItemState
from workflows.messages import TaskFinished
from workflows.plan_tally import PlanTally


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    HELD = "held"  # its system is offline; it resumes by itself
    FALLOUT = "fallout"  # failed for good; waits for an agent's decision
    COMPLETED = "completed"
    FAILED = "failed"


# Started and not finished: the task's domain order is working on it.
ACTIVE = frozenset({TaskStatus.RUNNING, TaskStatus.HELD, TaskStatus.FALLOUT})


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
    fallout_case_id: str | None = None
    skipped_by: str | None = None
    compensated: bool = False  # its effect was undone (the item failed or was cancelled)
    # Its compensating task's times (the catalog's undo activity), for the timeline.
    undo_start: datetime | None = None
    undo_end: datetime | None = None
    jeopardy: str = "none"  # none | warning | critical


class PlanExecution(BaseModel):
    plan: Plan
    runs: dict[str, TaskRun] = Field(default_factory=dict)
    # Statuses counted per item and domain order (plan_tally.py); not data, never serialized.
    _tally: PlanTally | None = PrivateAttr(default=None)

    def tally(self) -> PlanTally:
        if self._tally is None or not self._tally.holds_for(self):
            self._tally = PlanTally(self)
        else:
            self._tally.catch_up()
        return self._tally

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
            if run.status in ACTIVE and run.actual_start is not None:
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
        """Pending tasks whose dependencies have all completed, in plan order: what
        `Plan.ready_tasks` answers from the runs, kept by the tally as tasks move (issue 24: the
        order asks at each wake). A task behind a failed one never becomes ready: its item has
        failed."""
        kept = self.tally().ready_tasks()
        if kept is not None:
            return kept
        done = [i for i, r in self.runs.items() if r.status == TaskStatus.COMPLETED]
        started = [i for i, r in self.runs.items() if r.status != TaskStatus.PENDING]
        return self.plan.ready_tasks(done, started)

    def mark_running(self, task_id: str, now: datetime) -> TaskRun:
        run = self.runs[task_id]
        run.status = TaskStatus.RUNNING
        run.actual_start = now
        return run

    def finish(self, outcome: TaskFinished) -> TaskRun:
        run = self.runs[outcome.task_id]
        status = TaskStatus.COMPLETED if outcome.succeeded else TaskStatus.FAILED
        run.status = status
        run.actual_start = run.actual_start or outcome.started_at
        run.actual_end = outcome.ended_at
        run.result = outcome.result
        run.error = outcome.error
        run.error_type = outcome.error_type
        run.skipped_by = outcome.skipped_by
        return run

    def set_status(self, task_id: str, status: TaskStatus) -> None:
        """Held or in fallout, and back to running: only while the task is active."""
        run = self.runs[task_id]
        if run.status in ACTIVE:
            run.status = status

    def blocked(self) -> set[str]:
        """Pending tasks that can never run because something they depend on failed."""
        failed = {i for i, r in self.runs.items() if r.status == TaskStatus.FAILED}
        if not failed:
            return set()
        by_id = {t.id: t for t in self.plan.tasks}
        blocked: set[str] = set()
        for task_id in self.plan.topological_order():
            if self.runs[task_id].status == TaskStatus.PENDING and any(
                d in failed or d in blocked for d in by_id[task_id].depends_on
            ):
                blocked.add(task_id)
        return blocked

    def is_settled(self) -> bool:
        """Nothing runs and nothing more can start."""
        if any(r.status in ACTIVE for r in self.runs.values()):
            return False
        return not self.ready()

    def fallout_count(self) -> int:
        return sum(1 for r in self.runs.values() if r.status == TaskStatus.FALLOUT)

    def to_compensate(self, item_id: str) -> list[PlanTask]:
        """The item's completed tasks that have an undo, latest first (reverse dependency order)."""
        order = self.plan.topological_order()
        tasks = {t.id: t for t in self.plan.tasks}
        return [
            tasks[task_id]
            for task_id in reversed(order)
            if tasks[task_id].root_item_id == item_id
            and tasks[task_id].compensation is not None
            and self.runs[task_id].status == TaskStatus.COMPLETED
            and not self.runs[task_id].compensated
        ]

    def item_states(self) -> dict[str, ItemState]:
        """The state of every item that has tasks (an item without any is completed).

        One pass over the plan: the order workflow asks after every task event, and an order of
        a few hundred items has thousands of tasks (asking item by item took seconds there).
        """
        return self._item_states(self.tally())

    def _item_states(self, tally: PlanTally) -> dict[str, ItemState]:
        if not tally.failed:  # nothing blocked: each item's statuses are its tally's
            if tally.item_states is None:
                tally.item_states = {
                    item_id: _item_state(tally.statuses(counts))
                    for item_id, counts in tally.items.items()
                }
            return dict(tally.item_states)
        blocked = self.blocked()
        statuses: dict[str, set[TaskStatus]] = {}
        for task in self.plan.tasks:
            status = self.runs[task.id].status
            if task.id in blocked:
                status = TaskStatus.FAILED  # it can never run: its item has failed
            statuses.setdefault(task.root_item_id, set()).add(status)
        return {item_id: _item_state(found) for item_id, found in statuses.items()}

    def domain_order_states(self) -> dict[str, str]:
        """Each domain order's state, from its tasks' (TMF-style names, as GET shows them)."""
        return self._domain_order_states(self.tally())

    def _domain_order_states(self, tally: PlanTally) -> dict[str, str]:
        if tally.domain_order_states is None:
            tally.domain_order_states = {
                d: _domain_order_state(tally.statuses(counts))
                for d, counts in tally.domain_orders.items()
            }
        return dict(tally.domain_order_states)

    def derived_states(self) -> tuple[dict[str, ItemState], dict[str, str], set[str]]:
        """`item_states()`, `domain_order_states()` and `items_past_point_of_no_return()` from
        one catch-up of the tally (each catch-up passes over every run)."""
        tally = self.tally()
        return (
            self._item_states(tally),
            self._domain_order_states(tally),
            self._past_point_of_no_return(tally),
        )

    def items_past_point_of_no_return(self) -> set[str]:
        """Items that have started a task flagged as their point of no return."""
        return self._past_point_of_no_return(self.tally())

    def _past_point_of_no_return(self, tally: PlanTally) -> set[str]:
        passed = tally.ponr.values()
        # A bundle's child item passed its own, and so did its bundle item.
        return {root for root, _ in passed} | {item for _, item in passed}

    def point_of_no_return_passed(self, item_id: str) -> bool:
        return item_id in self.items_past_point_of_no_return()


def _item_state(statuses: set[TaskStatus]) -> ItemState:
    if TaskStatus.FAILED in statuses:
        return ItemState.FAILED
    if statuses <= {TaskStatus.COMPLETED}:
        return ItemState.COMPLETED
    if statuses & {TaskStatus.HELD, TaskStatus.FALLOUT}:
        return ItemState.HELD
    return ItemState.IN_PROGRESS


def _domain_order_state(statuses: set[TaskStatus]) -> str:
    if TaskStatus.FAILED in statuses:
        return "failed"
    if statuses & {TaskStatus.HELD, TaskStatus.FALLOUT}:
        return "held"
    if statuses <= {TaskStatus.COMPLETED}:
        return "completed"
    if statuses == {TaskStatus.PENDING}:
        return "acknowledged"
    return "inProgress"


# The rules by their public names, for the tally (plan_tally.py), which keeps states up to date.
item_state = _item_state
domain_order_state = _domain_order_state
