"""Manual work items: opened when a manual task starts, closed when its workflow accepts one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio import activity

from activities.logging_context import bind_activity_context
from observability.logs import get_logger
from store import tasks
from store.task_tables import ManualTaskRecord

log = get_logger(__name__)


def manual_task_ref(idempotency_key: str) -> str:
    """A work item's public id, derived from its effect key so a retried open finds it again."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:manual-task:{idempotency_key}"))


class OpenManualTaskInput(BaseModel):
    idempotency_key: str
    order_id: str
    item_id: str
    task_id: str
    workflow_id: str
    name: str
    queue: str
    skill: str | None = None
    params: dict[str, Any] = {}
    result_schema: dict[str, Any] | None = None


class OpenManualTaskResult(BaseModel):
    task_ref: str
    # Set when the field-workforce simulator is on: the workflow completes the task by itself.
    simulated_result: dict[str, Any] | None = None
    simulated_delay_ms: int = 0


class CloseManualTaskInput(BaseModel):
    order_id: str
    task_ref: str
    state: str  # claimed | completed | cancelled
    assignee: str | None = None
    result: dict[str, Any] | None = None
    note: str | None = None
    # An amendment changed the job's data while it was open or claimed.
    params: dict[str, Any] | None = None


def sample_result(schema: dict[str, Any] | None, task_ref: str) -> dict[str, Any]:
    """Valid result data for a schema, as a technician would report it."""
    values: dict[str, Any] = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if "enum" in prop:
            values[name] = prop["enum"][0]
        elif prop.get("format") == "date-time":
            values[name] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        elif prop.get("type") == "integer":
            values[name] = 1
        elif prop.get("type") == "number":
            values[name] = 1.0
        elif prop.get("type") == "boolean":
            values[name] = True
        else:
            values[name] = f"{name}-{task_ref[:8]}"
    return values


@activity.defn(name="work_queue.open_task")
def open_manual_task(input: OpenManualTaskInput) -> OpenManualTaskResult:
    bind_activity_context(input.order_id)
    ref = manual_task_ref(input.idempotency_key)
    tasks.open_task(
        ManualTaskRecord(
            id=ref,
            order_id=input.order_id,
            item_id=input.item_id,
            task_id=input.task_id,
            workflow_id=input.workflow_id,
            name=input.name,
            queue=input.queue,
            skill=input.skill,
            state="open",
            params=input.params,
            result_schema=input.result_schema,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
    )
    log.info("manual task opened", task_ref=ref, queue=input.queue, skill=input.skill)
    workforce = tasks.workforce_config()
    if not workforce.auto_complete:
        return OpenManualTaskResult(task_ref=ref)
    return OpenManualTaskResult(
        task_ref=ref,
        simulated_result=sample_result(input.result_schema, ref),
        simulated_delay_ms=workforce.latency_ms,
    )


@activity.defn(name="work_queue.update_task")
def update_manual_task(input: CloseManualTaskInput) -> None:
    bind_activity_context(input.order_id)
    tasks.set_task_state(
        input.task_ref, input.state, input.assignee, input.result, input.note, input.params
    )
    log.info("manual task updated", task_ref=input.task_ref, state=input.state)
