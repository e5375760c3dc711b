"""Fallout management: /ops/v1/fallout, where agents retry, skip or fail what fell out.

The store lists the cases; every decision goes to the workflow that owns the task as an
update, validated there before anything is recorded, and lands in the order's history.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from activities.southbound.contract import SYSTEMS
from api.errors import TmfError
from api.identity import Caller, forbidden, requires, same_actor
from api.permissions import Permission
from api.sealing import sealed_for_order
from api.tmf_query import count_headers, parse_number, parse_page, reject_unknown_filters
from api.workflow_calls import execute_update
from store import fallout
from store.fallout_tables import FalloutCase
from tmf.common import UtcDatetime
from workflows.messages import FalloutAction, FalloutDecision, FalloutView

router = APIRouter(prefix="/ops/v1/fallout", tags=["fallout"])

FALLOUT_FILTERS = {
    "system": "system",
    "errorType": "error_type",
    "orderId": "order_id",
    "assignee": "assignee",
}
# Retrying many cases at once: a bounded number of updates in flight.
BULK_CONCURRENCY = 20


class FalloutCaseView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    order_id: str = Field(alias="orderId")
    item_id: str = Field(alias="itemId")
    task_id: str = Field(alias="taskId")
    task_name: str = Field(alias="taskName")
    workflow_id: str = Field(alias="workflowId")
    system: str
    operation: str
    error_type: str = Field(alias="errorType")
    message: str
    attempts: int
    failures: int
    first_failure: UtcDatetime = Field(alias="firstFailure")
    last_failure: UtcDatetime = Field(alias="lastFailure")
    state: str
    assignee: str | None
    resolution: str | None
    notes: list[dict[str, Any]]


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Who acts is the token's subject: `agent` may be left out, or must name the same (for an
    # assignment: whom the case goes to; someone else needs fallout:manage).
    agent: str | None = Field(default=None, min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class RetryBody(DecisionBody):
    params: dict[str, Any] = Field(default_factory=dict)  # corrected task data


class SkipBody(DecisionBody):
    result: dict[str, Any] = Field(default_factory=dict)  # what the agent did by hand


class BulkRetryBody(DecisionBody):
    system: str = Field(min_length=1)


def _view(case: FalloutCase) -> dict[str, Any]:
    return FalloutCaseView.model_validate(case.model_dump()).model_dump(mode="json", by_alias=True)


def _case_or_404(case_id: str) -> FalloutCase:
    case = fallout.get_case(case_id)
    if case is None:
        raise TmfError(404, "NotFound", f"No fallout case with id '{case_id}'")
    return case


def _states(state: str | None) -> tuple[str, ...] | None:
    """No state: the cases still to work (as `oms fallout list` shows); `all`: every state."""
    if state is None:
        return fallout.UNRESOLVED
    if state == "all":
        return None
    if state not in fallout.STATES:
        raise TmfError(
            400,
            "InvalidQuery",
            f"Unknown fallout state '{state}'",
            f"state is one of {', '.join(fallout.STATES)}, or all (default: not resolved)",
        )
    return (state,)


def _filter(request: Request) -> fallout.FalloutFilter:
    params = request.query_params
    reject_unknown_filters(params.keys(), ["state", *FALLOUT_FILTERS, "minAgeMinutes"])
    criteria: dict[str, Any] = {
        attr: params[name] for name, attr in FALLOUT_FILTERS.items() if name in params
    }
    criteria["states"] = _states(params.get("state"))
    if "minAgeMinutes" in params:
        # At most ten years: no case is older, and timedelta ends near 2.7 million years.
        minutes = parse_number("minAgeMinutes", params["minAgeMinutes"], 0, 10 * 366 * 24 * 60)
        criteria["failed_before"] = datetime.now(UTC) - timedelta(minutes=minutes)
    return fallout.FalloutFilter(**criteria)


@router.get(
    "",
    summary="List fallout cases not resolved, or ?state= (all: every state); system, "
    "errorType, orderId, minAgeMinutes",
    dependencies=[requires(Permission.FALLOUT_READ)],
)
def list_fallout(request: Request) -> JSONResponse:
    flt = _filter(request)
    page = parse_page(request.query_params)
    cases, total = fallout.list_cases(flt, page.offset, page.limit)
    return JSONResponse([_view(c) for c in cases], headers=count_headers(total, len(cases)))


@router.get(
    "/summary",
    summary="Counts per system and error type, of the cases the list shows",
    dependencies=[requires(Permission.FALLOUT_READ)],
)
def fallout_summary(request: Request) -> dict[str, Any]:
    return fallout.case_counts(_filter(request))


@router.get(
    "/{case_id}",
    summary="One fallout case, with its history of decisions",
    dependencies=[requires(Permission.FALLOUT_READ)],
)
def get_fallout(case_id: str) -> dict[str, Any]:
    return _view(_case_or_404(case_id))


def _decision(
    caller: Caller, action: FalloutAction, body: DecisionBody, **extra: Any
) -> FalloutDecision:
    """The decision in the caller's name: an agent names no one else (except a manager
    assigning a case)."""
    if action != FalloutAction.ASSIGN:
        same_actor(caller, body.agent, "agent")
    agent = body.agent or caller.subject
    if agent != caller.subject and not caller.can(Permission.FALLOUT_MANAGE):
        raise forbidden("assigning a case to someone else needs the permission 'fallout:manage'")
    return FalloutDecision(
        task_id="",
        action=action,
        agent=agent,
        actor=caller.subject,
        actor_role=caller.acting_role,
        note=body.note,
        **extra,
    )


async def _decide(
    case_id: str, decision: FalloutDecision, caller: Caller | None = None
) -> dict[str, Any]:
    case = await run_in_threadpool(_case_or_404, case_id)
    if case.state in {"resolved", "retrying"}:
        raise TmfError(409, "InvalidState", f"fallout case {case_id} is {case.state}")
    # An agent works the cases assigned to it or to nobody; a manager any case.
    if (
        caller is not None
        and case.assignee not in {None, caller.subject}
        and not caller.can(Permission.FALLOUT_MANAGE)
    ):
        raise forbidden(f"fallout case {case_id} is assigned to someone else")
    # The failure the agent saw: if the case fails again before this arrives, it is refused.
    decision = decision.model_copy(update={"task_id": case.task_id, "case_failures": case.failures})
    await execute_update(case.workflow_id, "fallout_decision", decision, FalloutView)
    return _view(await run_in_threadpool(_case_or_404, case_id))


@router.post("/{case_id}/assign", summary="Take a case (the agent becomes its assignee)")
async def assign_fallout(
    case_id: str, body: DecisionBody, caller: Caller = requires(Permission.FALLOUT_WORK)
) -> dict[str, Any]:
    return await _decide(case_id, _decision(caller, FalloutAction.ASSIGN, body), caller)


@router.post("/{case_id}/retry", summary="Run the task again, optionally with corrected data")
async def retry_fallout(
    case_id: str, body: RetryBody, caller: Caller = requires(Permission.FALLOUT_WORK)
) -> dict[str, Any]:
    decision = _decision(caller, FalloutAction.RETRY, body)
    params = body.params
    if params:
        # A corrected secret (a porting PIN given again) is sealed like the order's.
        case = await run_in_threadpool(_case_or_404, case_id)
        params = await sealed_for_order(case.order_id, params)
    return await _decide(case_id, decision.model_copy(update={"params": params}), caller)


@router.post("/{case_id}/skip", summary="The agent did the work by hand: go on with its result")
async def skip_fallout(
    case_id: str, body: SkipBody, caller: Caller = requires(Permission.FALLOUT_WORK)
) -> dict[str, Any]:
    decision = _decision(caller, FalloutAction.SKIP, body, result=body.result)
    return await _decide(case_id, decision, caller)


@router.post("/{case_id}/fail", summary="Fail the item: its completed work is undone")
async def fail_fallout(
    case_id: str, body: DecisionBody, caller: Caller = requires(Permission.FALLOUT_WORK)
) -> dict[str, Any]:
    return await _decide(case_id, _decision(caller, FalloutAction.FAIL, body), caller)


@router.post("/bulk-retry", summary="Retry every open case of one system (after an outage)")
async def bulk_retry(
    body: BulkRetryBody, caller: Caller = requires(Permission.FALLOUT_MANAGE)
) -> dict[str, Any]:
    if body.system not in SYSTEMS:
        raise TmfError(
            404, "NotFound", f"No system '{body.system}'", f"Known systems: {', '.join(SYSTEMS)}"
        )
    decision = _decision(caller, FalloutAction.RETRY, body)
    open_cases = fallout.FalloutFilter(states=("open",), system=body.system)
    cases, _ = await run_in_threadpool(fallout.list_cases, open_cases, 0, 100_000)
    limit = asyncio.Semaphore(BULK_CONCURRENCY)

    async def retry(case: FalloutCase) -> str | None:
        async with limit:
            try:
                await _decide(case.id, decision)
            except TmfError as err:
                return f"{case.id}: {err.reason}"
            return None

    failures = [f for f in await asyncio.gather(*(retry(c) for c in cases)) if f]
    return {"system": body.system, "retried": len(cases) - len(failures), "failed": failures}
