"""Manual work items: /ops/v1/tasks, for technicians, the porting desk and site surveyors.

The store lists them; claims, reassignments and completions go to the owning workflow as
updates, so the workflow validates them (state, result data) before anything is recorded. A
technician claims for herself; handing a task to someone else, or taking over one that someone
else claimed, needs `task:assign` (a fulfillment manager) and is in the order's history under
the token's subject.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.errors import TmfError
from api.identity import Caller, forbidden, requires, same_actor
from api.permissions import Permission
from api.tmf_query import count_headers, parse_page, reject_unknown_filters
from api.workflow_calls import execute_update
from store import tasks
from store.task_tables import ManualTaskRecord
from tmf.common import UtcDatetime
from workflows.messages import (
    ClaimManualTask,
    CompleteManualTask,
    ManualTaskView,
    ReassignManualTask,
)

router = APIRouter(prefix="/ops/v1/tasks", tags=["tasks"])
# How long a completion's answer waits for the workflow's store write (milliseconds, usually).
COMPLETION_WAIT_SECONDS = 5.0

TASK_FILTERS = {
    "queue": "queue",
    "skill": "skill",
    "state": "state",
    "orderId": "order_id",
    "assignee": "assignee",
}


class TaskView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    order_id: str = Field(alias="orderId")
    item_id: str = Field(alias="itemId")
    task_id: str = Field(alias="taskId")
    workflow_id: str = Field(alias="workflowId")
    name: str
    queue: str
    skill: str | None
    state: str
    assignee: str | None
    note: str | None
    params: dict[str, Any]
    result_schema: dict[str, Any] | None = Field(alias="resultSchema")
    result: dict[str, Any] | None
    created_at: UtcDatetime = Field(alias="createdAt")
    claimed_at: UtcDatetime | None = Field(alias="claimedAt")
    completed_at: UtcDatetime | None = Field(alias="completedAt")

    @classmethod
    def of(cls, record: ManualTaskRecord) -> TaskView:
        return cls.model_validate(record.model_dump())


class ClaimBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Left out: the caller (the token's subject). Someone else: needs task:assign.
    assignee: str | None = Field(default=None, min_length=1, max_length=200)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Left out: the caller takes the task over.
    assignee: str | None = Field(default=None, min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class CompleteBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    result: dict[str, Any] = Field(default_factory=dict)
    # The token's subject completes; a `completedBy` here must name the same.
    completed_by: str | None = Field(default=None, alias="completedBy", max_length=200)
    note: str | None = Field(default=None, max_length=2000)


def _view(record: ManualTaskRecord) -> dict[str, Any]:
    return TaskView.of(record).model_dump(mode="json", by_alias=True)


def _task_or_404(task_ref: str) -> ManualTaskRecord:
    record = tasks.get_task(task_ref)
    if record is None:
        raise TmfError(404, "NotFound", f"No task with id '{task_ref}'")
    return record


@router.get(
    "",
    summary="List manual tasks (filters: queue, skill, state, orderId, assignee)",
    dependencies=[requires(Permission.TASK_READ)],
)
def list_tasks(request: Request) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), TASK_FILTERS)
    page = parse_page(params)
    criteria = {attr: params[name] for name, attr in TASK_FILTERS.items() if name in params}
    found, total = tasks.list_tasks(tasks.TaskFilter(**criteria), page.offset, page.limit)
    return JSONResponse([_view(r) for r in found], headers=count_headers(total, len(found)))


@router.get(
    "/{task_ref}",
    summary="A manual task, with the JSON schema of the result it expects",
    dependencies=[requires(Permission.TASK_READ)],
)
def get_task(task_ref: str) -> dict[str, Any]:
    return _view(_task_or_404(task_ref))


@router.post("/{task_ref}/claim", summary="Claim a task for an assignee")
async def claim_task(
    task_ref: str, body: ClaimBody, caller: Caller = requires(Permission.TASK_WORK)
) -> dict[str, Any]:
    assignee = body.assignee or caller.subject
    manager = caller.can(Permission.TASK_ASSIGN)
    if assignee != caller.subject and not manager:
        raise forbidden("claiming a task for someone else needs the permission 'task:assign'")
    record = await run_in_threadpool(_task_or_404, task_ref)
    taken = record.state == "claimed" and record.assignee not in {None, assignee}
    if taken and not manager:
        raise forbidden(f"task {task_ref} is claimed by someone else")
    if taken or assignee != caller.subject:
        # An assignment, not a claim: the order's history names the manager who made it.
        return await _reassign(record, assignee, None, caller)
    await execute_update(
        record.workflow_id,
        "claim_manual_task",
        ClaimManualTask(task_id=record.task_id, assignee=assignee),
        ManualTaskView,
    )
    return _view(await run_in_threadpool(_task_or_404, task_ref))


@router.post(
    "/{task_ref}/assign",
    summary="Hand a task (open, or claimed by anyone) to an assignee, or take it over",
)
async def assign_task(
    task_ref: str, body: AssignBody, caller: Caller = requires(Permission.TASK_ASSIGN)
) -> dict[str, Any]:
    record = await run_in_threadpool(_task_or_404, task_ref)
    if record.state in {"completed", "cancelled"}:
        raise TmfError(409, "InvalidState", f"task {task_ref} is {record.state}")
    return await _reassign(record, body.assignee or caller.subject, body.reason, caller)


async def _reassign(
    record: ManualTaskRecord, assignee: str, reason: str | None, caller: Caller
) -> dict[str, Any]:
    await execute_update(
        record.workflow_id,
        "reassign_manual_task",
        ReassignManualTask(
            task_id=record.task_id,
            assignee=assignee,
            actor=caller.subject,
            actor_role=caller.acting_role,
            reason=reason,
        ),
        ManualTaskView,
    )
    # The workflow records the new assignee in the store before it answers.
    return _view(await run_in_threadpool(_task_or_404, record.id))


@router.post("/{task_ref}/complete", summary="Complete a task with its result data")
async def complete_task(
    task_ref: str, body: CompleteBody, caller: Caller = requires(Permission.TASK_WORK)
) -> dict[str, Any]:
    same_actor(caller, body.completed_by, "completedBy")
    record = await run_in_threadpool(_task_or_404, task_ref)
    if record.assignee not in {None, caller.subject} and not caller.can(Permission.TASK_ASSIGN):
        raise forbidden(f"task {task_ref} is claimed by someone else")
    if record.state in {"completed", "cancelled"}:
        raise TmfError(409, "InvalidState", f"task {task_ref} is {record.state}")
    # Whoever completes a task has it: an open task is claimed for the caller first.
    if record.state == "open":
        await claim_task(task_ref, ClaimBody(assignee=caller.subject), caller)
    await execute_update(
        record.workflow_id,
        "complete_manual_task",
        CompleteManualTask(
            task_id=record.task_id,
            result=body.result,
            completed_by=caller.subject,
            note=body.note,
        ),
        ManualTaskView,
    )
    # The workflow records the completion in the store right after accepting it: answer with
    # the stored task, so the answer's completedAt is the one every later read shows.
    return _view(await _completed(task_ref))


async def _completed(task_ref: str) -> ManualTaskRecord:
    deadline = time.monotonic() + COMPLETION_WAIT_SECONDS
    while True:
        record = await run_in_threadpool(_task_or_404, task_ref)
        if record.completed_at is not None or time.monotonic() > deadline:
            return record
        await asyncio.sleep(0.05)
