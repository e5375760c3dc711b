"""How an amendment changes a running plan: pure, so the order workflow replays it the same.

Task by task, new plan against the executing one: not started and no longer needed -> discarded;
running and no longer needed -> finishes, then is undone; completed and no longer needed -> undone;
changed and completed -> undone and done again; changed and running -> finishes, then redone;
new -> done.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from decomposition.plan import Plan, diff
from workflows.plan_execution import ACTIVE, PlanExecution, TaskStatus


class PlanDelta(BaseModel):
    discarded: list[str] = Field(default_factory=list)
    compensated: list[str] = Field(default_factory=list)  # undone now
    retire_when_done: list[str] = Field(default_factory=list)  # running: undone once finished
    redone: list[str] = Field(default_factory=list)  # undone now, then run again
    redo_when_done: list[str] = Field(default_factory=list)  # running: redone once finished
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)  # not started: runs with the new data


def plan_delta(execution: PlanExecution, new_plan: Plan) -> PlanDelta:
    changes = diff(execution.plan, new_plan)
    delta = PlanDelta(added=list(changes.added))
    for task_id in changes.removed:
        status = execution.runs[task_id].status
        if status == TaskStatus.COMPLETED:
            delta.compensated.append(task_id)
        elif status in ACTIVE:
            delta.retire_when_done.append(task_id)
        else:
            delta.discarded.append(task_id)
    for task_id in changes.changed:
        status = execution.runs[task_id].status
        if status == TaskStatus.COMPLETED:
            delta.redone.append(task_id)
        elif status in ACTIVE:
            delta.redo_when_done.append(task_id)
        else:
            delta.updated.append(task_id)
    return delta
