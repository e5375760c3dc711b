"""What the plan and timeline endpoints show of an order's plan: a row per task with its run.

Built by the order workflow's `get_plan` query while the order runs, and by the API from the
execution stored when the order closed. A view, not the execution: with its task results, the
execution of an order at the size limits is about 2 MB of JSON, and a query that answered with
it failed at 2.1 MB (Temporal's limit on one payload is 2 MB); its view is about half of that.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from decomposition.catalog import TaskKind
from decomposition.plan import CriticalPath, DeferredPart, DomainOrder, PlanTask
from tmf.product_order import OrderState
from workflows.plan_execution import PlanExecution, TaskRun, TaskStatus


class PlanTaskView(BaseModel):
    id: str
    name: str
    kind: TaskKind
    activity: str | None
    queue: str | None
    skill: str | None
    domain_order_id: str
    item_id: str
    depends_on: list[str]
    expected_duration_seconds: int
    point_of_no_return: bool
    status: TaskStatus
    jeopardy: str
    fallout_case_id: str | None
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    error: str | None
    # What came of it: done | undone | withdrawn | failed | notStarted, or while it runs its
    # status; a compensating task's row says `compensation` and names the task it undoes.
    outcome: str = ""
    compensates: str | None = None


class OrderPlanView(BaseModel):
    order_id: str
    state: OrderState
    catalog_version: str | None = None  # None until the order is planned (or if rejected)
    domain_orders: list[DomainOrder] = Field(default_factory=list)
    deferred: list[DeferredPart] = Field(default_factory=list)
    tasks: list[PlanTaskView] = Field(default_factory=list)
    compensations: list[PlanTaskView] = Field(default_factory=list)  # the undo work done
    # Finished tasks count with their actual duration, the rest with the expected one.
    critical_path: CriticalPath = Field(
        default_factory=lambda: CriticalPath(task_ids=[], duration_seconds=0)
    )

    @property
    def planned(self) -> bool:
        return self.catalog_version is not None


# The key under which a closed order's stored execution also holds its view (as JSON), written
# once when it closed so that the plan and timeline of a large order read it as it is (issue 24).
PLAN_VIEW = "planView"


# The error type of a task the order stopped (workflows/domain_order.py TASK_CANCELLED).
WITHDRAWN = "TaskCancelled"


def task_outcome(run: TaskRun) -> str:
    """A task's final outcome as a user reads it: an undone task is not `completed`, a wait
    the order withdrew did not fail."""
    if run.status == TaskStatus.COMPLETED:
        return "undone" if run.compensated else "done"
    if run.status == TaskStatus.FAILED:
        return "withdrawn" if run.error_type == WITHDRAWN else "failed"
    if run.status == TaskStatus.PENDING:
        return "notStarted"
    return run.status.value


def compensation_view(task: PlanTask, run: TaskRun) -> PlanTaskView | None:
    """The row of the task that undid `task`, when its catalog has one and it ran."""
    if task.compensation is None or run.undo_start is None:
        return None
    view = task_view(task, run)
    return view.model_copy(
        update={
            "id": f"{task.id}~undo",
            "name": f"Undo: {task.name}",
            "activity": task.compensation.activity,
            "depends_on": [],
            "point_of_no_return": False,
            "status": TaskStatus.COMPLETED if run.undo_end else TaskStatus.RUNNING,
            "jeopardy": "none",
            "fallout_case_id": None,
            "planned_start": None,
            "planned_end": None,
            "actual_start": run.undo_start,
            "actual_end": run.undo_end,
            "error": None,
            "outcome": "compensation",
            "compensates": task.id,
        }
    )


def task_view(task: PlanTask, run: TaskRun) -> PlanTaskView:
    # Built from values already checked (a plan task and its run): not validated again (issue 24:
    # 7,500 rows in the plan query of a 1,000-item order).
    return PlanTaskView.model_construct(
        id=task.id,
        name=task.name,
        kind=task.kind,
        activity=task.activity,
        queue=task.queue,
        skill=task.skill,
        domain_order_id=task.domain_order_id,
        item_id=task.item_id,
        depends_on=task.depends_on,
        expected_duration_seconds=task.expected_duration_seconds,
        point_of_no_return=task.point_of_no_return,
        status=run.status,
        jeopardy=run.jeopardy,
        fallout_case_id=run.fallout_case_id,
        planned_start=run.planned_start,
        planned_end=run.planned_end,
        actual_start=run.actual_start,
        actual_end=run.actual_end,
        error=run.error,
        outcome=task_outcome(run),
    )


def task_views(execution: PlanExecution) -> list[PlanTaskView]:
    return [task_view(task, execution.runs[task.id]) for task in execution.plan.tasks]


def order_plan_view(
    order_id: str, state: OrderState, execution: PlanExecution | None
) -> OrderPlanView:
    if execution is None:
        return OrderPlanView(order_id=order_id, state=state)
    durations = {
        task_id: (run.actual_end - run.actual_start).total_seconds()
        for task_id, run in execution.runs.items()
        if run.status in {TaskStatus.COMPLETED, TaskStatus.FAILED}
        and run.actual_start is not None
        and run.actual_end is not None
    }
    plan = execution.plan
    return OrderPlanView(
        order_id=order_id,
        state=state,
        catalog_version=plan.catalog_version,
        domain_orders=plan.domain_orders,
        deferred=plan.deferred,
        tasks=task_views(execution),
        compensations=[
            view
            for task in plan.tasks
            if (view := compensation_view(task, execution.runs[task.id])) is not None
        ],
        critical_path=plan.critical_path(durations),
    )
