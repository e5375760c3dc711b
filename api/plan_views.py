"""JSON views of plans and their tasks, shared by the plan, timeline and preview endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from decomposition.plan import PlanTask
from workflows.plan_execution import PlanExecution, TaskRun


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def task_row(task: PlanTask, run: TaskRun) -> dict[str, Any]:
    return {
        "id": task.id,
        "name": task.name,
        "kind": task.kind.value,
        "activity": task.activity,
        "queue": task.queue,
        "skill": task.skill,
        "domainOrderId": task.domain_order_id,
        "itemId": task.item_id,
        "dependsOn": task.depends_on,
        "expectedDurationSeconds": task.expected_duration_seconds,
        "pointOfNoReturn": task.point_of_no_return,
        "status": run.status.value,
        "jeopardy": run.jeopardy,
        "falloutCaseId": run.fallout_case_id,
        "plannedStart": iso(run.planned_start),
        "plannedEnd": iso(run.planned_end),
        "actualStart": iso(run.actual_start),
        "actualEnd": iso(run.actual_end),
        "error": run.error,
    }


def task_rows(execution: PlanExecution) -> list[dict[str, Any]]:
    return [task_row(task, execution.runs[task.id]) for task in execution.plan.tasks]
