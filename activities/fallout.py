"""Fallout cases in the store, opened and updated by the workflow that owns the failed task."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from temporalio import activity

from activities.logging_context import bind_activity_context
from observability.logs import get_logger
from observability.metrics import FALLOUT_DECISIONS, FALLOUT_RESOLVED
from store import fallout
from store.fallout_tables import FalloutCase

log = get_logger(__name__)


def fallout_case_id(task_effect_key: str) -> str:
    """One case per task run, so a retry that fails again reopens the same case."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:fallout:{task_effect_key}"))


def resolve_if_retried(task_effect_key: str) -> None:
    """A task call succeeded: if it was retried from fallout, its case is resolved now (else it
    would stay `retrying`). Called by every activity a task can fall out of, after success; one
    read by key when there is no case."""
    system = fallout.resolve_retried(fallout_case_id(task_effect_key))
    if system is not None:
        FALLOUT_RESOLVED.labels(system, "retry").inc()


class OpenFalloutInput(BaseModel):
    case_id: str
    # Unique per failure, so a retried activity records the failure once.
    failure_key: str
    order_id: str
    item_id: str
    task_id: str
    task_name: str
    workflow_id: str
    system: str
    operation: str
    error_type: str
    message: str
    attempts: int
    failed_at: datetime


class FalloutDecisionInput(BaseModel):
    case_id: str
    decision_key: str
    order_id: str
    action: str  # assign | retry | skip | fail | withdrawn (the order was cancelled)
    actor: str
    note: str | None = None
    state: str  # the case's state after the decision
    # assign: whom the case goes to, when not the actor (a manager assigning it); optional,
    # older histories lack it.
    assignee: str | None = None


@activity.defn(name="fallout.open_case")
def open_fallout_case(input: OpenFalloutInput) -> None:
    bind_activity_context(input.order_id)
    failed_at = input.failed_at.replace(tzinfo=None)
    case = fallout.record_failure(
        FalloutCase(
            id=input.case_id,
            order_id=input.order_id,
            item_id=input.item_id,
            task_id=input.task_id,
            task_name=input.task_name,
            workflow_id=input.workflow_id,
            system=input.system,
            operation=input.operation,
            error_type=input.error_type,
            message=input.message[:4000],
            attempts=input.attempts,
            first_failure=failed_at,
            last_failure=failed_at,
            state="open",
        ),
        input.failure_key,
    )
    log.warning(
        "fallout opened",
        case_id=case.id,
        system=input.system,
        error_type=input.error_type,
        failures=case.failures,
    )


@activity.defn(name="fallout.record_decision")
def record_fallout_decision(input: FalloutDecisionInput) -> None:
    bind_activity_context(input.order_id)
    case, resolved = fallout.record_decision(
        input.case_id,
        input.decision_key,
        input.action,
        input.actor,
        input.note,
        input.state,
        input.assignee,
    )
    FALLOUT_DECISIONS.labels(input.action).inc()
    if case is not None and resolved:
        FALLOUT_RESOLVED.labels(case.system, case.resolution or input.action).inc()
    log.info("fallout decision", case_id=input.case_id, action=input.action, actor=input.actor)
