"""Jeopardy: is a task running late, will the order miss its due date? Pure, so timers can
replay it: the workflow calls `assess` at each event and at the next time a level can change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from decomposition.plan import Plan, kept_for
from workflows.plan_execution import ACTIVE, PlanExecution, TaskStatus


class JeopardyLevel(StrEnum):
    NONE = "none"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"none": 0, "warning": 1, "critical": 2}[self.value]


def worst(levels: list[JeopardyLevel]) -> JeopardyLevel:
    return max(levels, key=lambda level: level.rank, default=JeopardyLevel.NONE)


class TaskJeopardy(BaseModel):
    task_id: str
    item_id: str
    level: JeopardyLevel
    cause: str


class Assessment(BaseModel):
    level: JeopardyLevel  # the order's worst
    cause: str | None = None
    due: datetime
    forecast: datetime
    tasks: list[TaskJeopardy] = Field(default_factory=list)
    next_check: datetime | None = None  # when a level can change with no event in between

    def item_levels(self) -> dict[str, JeopardyLevel]:
        """Each item's worst task at risk, in one pass (items with none are left out)."""
        levels: dict[str, JeopardyLevel] = {}
        for t in self.tasks:
            levels[t.item_id] = worst([levels.get(t.item_id, JeopardyLevel.NONE), t.level])
        return levels

    def item_level(self, item_id: str) -> JeopardyLevel:
        return self.item_levels().get(item_id, JeopardyLevel.NONE)


def _rows(plan: Plan) -> list[tuple[str, float, str]]:
    """(task id, expected seconds, root item) in plan order, kept per plan (issue 24: walked at
    each assessment of a 7,500-task plan)."""
    return kept_for(
        plan.tasks,
        "jeopardy_rows",
        lambda: [(t.id, float(t.expected_duration_seconds), t.root_item_id) for t in plan.tasks],
    )


def assess(
    execution: PlanExecution,
    now: datetime,
    due: datetime,
    warning_share: float,
    order_from_forecast: bool = False,
    not_before: datetime | None = None,
) -> Assessment:
    """Levels of the running tasks and of the order. With `order_from_forecast` (every order
    started since issue 26) the order's level is the forecast against the due date alone: a task
    minutes late in an order due in two weeks is that task's jeopardy, not the order's. Without
    it, the order also took its worst task's level (histories recorded before). `not_before`:
    the plan waits for the requested start date, so the work left begins then."""
    tasks: list[TaskJeopardy] = []
    checks: list[datetime] = []
    remaining: dict[str, float] = {}
    runs = execution.runs
    for task_id, expected, item_id in _rows(execution.plan):
        run = runs[task_id]
        status = run.status
        if status == TaskStatus.COMPLETED:
            remaining[task_id] = 0.0
            continue
        if status not in ACTIVE or run.actual_start is None:
            remaining[task_id] = expected
            continue
        elapsed = (now - run.actual_start).total_seconds()
        remaining[task_id] = max(expected - elapsed, 0.0)
        if expected <= 0:
            continue
        warn_at = run.actual_start + timedelta(seconds=expected * warning_share)
        late_at = run.actual_start + timedelta(seconds=expected)
        if now >= late_at:
            level, cause = JeopardyLevel.CRITICAL, "running past its expected duration"
        elif now >= warn_at:
            level, cause = JeopardyLevel.WARNING, f"past {warning_share:.0%} of its duration"
            checks.append(late_at)
        else:
            checks.append(warn_at)
            continue
        tasks.append(TaskJeopardy(task_id=task_id, item_id=item_id, level=level, cause=cause))
    left = execution.plan.critical_path(remaining).duration_seconds if execution.plan.tasks else 0
    waiting = not_before is not None and not_before > now
    begins = not_before if waiting and not_before is not None else now
    forecast = begins + timedelta(seconds=left)
    outstanding = any(r.status != TaskStatus.COMPLETED for r in execution.runs.values())
    order_level, order_cause = JeopardyLevel.NONE, ""
    if outstanding and now >= due:
        order_level, order_cause = JeopardyLevel.CRITICAL, "due date passed with work outstanding"
    elif outstanding and forecast > due:
        order_level, order_cause = JeopardyLevel.WARNING, "forecast completion after the due date"
    if outstanding and now < due:
        checks.append(due)
        # With work running on time the forecast holds still; it moves once something is late.
        if order_level == JeopardyLevel.NONE:
            # While the plan waits for its start the forecast holds still: look again then.
            checks.append(begins if waiting else due - timedelta(seconds=left))
    task_level = worst([t.level for t in tasks])
    if order_from_forecast:
        return Assessment(
            level=order_level,
            cause=order_cause or None,
            due=due,
            forecast=forecast,
            tasks=tasks,
            next_check=min([c for c in checks if c > now], default=None),
        )
    level = worst([order_level, task_level])
    why = order_cause if order_level.rank >= task_level.rank else ""
    if not why and tasks:
        top = max(tasks, key=lambda t: t.level.rank)
        why = f"task {top.task_id} {top.cause}"
    future = [c for c in checks if c > now]
    return Assessment(
        level=level,
        cause=why or None,
        due=due,
        forecast=forecast,
        tasks=tasks,
        next_check=min(future) if future else None,
    )
