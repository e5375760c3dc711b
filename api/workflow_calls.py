"""Calling workflows from the API: updates and queries, with their failures in TMF shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.concurrency import run_in_threadpool
from temporalio.client import WorkflowHandle, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.admission import is_queued, start_if_queued
from api.errors import TmfError
from api.temporal import get_client, temporal_unreachable
from config.settings import get_settings
from store import orders

# ApplicationError types raised by workflow validators, and the HTTP status each means.
STATUS_BY_ERROR_TYPE = {
    "InvalidState": 409,
    "PointOfNoReturn": 409,
    "NotFound": 404,
    "Invalid": 422,
    "InvalidResult": 422,
    "PreconditionFailed": 412,
}


async def workflow_handle(workflow_id: str) -> WorkflowHandle[Any, Any]:
    return (await get_client()).get_workflow_handle(workflow_id)


async def execute_update(workflow_id: str, update: str, arg: Any, result_type: type) -> Any:
    handle = await workflow_handle(workflow_id)
    try:
        return await handle.execute_update(update, arg, result_type=result_type)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError):
            status = STATUS_BY_ERROR_TYPE.get(cause.type or "", 409)
            raise TmfError(status, cause.type or "Rejected", cause.message) from err
        raise TmfError(409, "Rejected", str(cause or err)) from err
    except RPCError as err:
        # An order still waiting for admission is started for the client acting on it.
        if err.status == RPCStatusCode.NOT_FOUND and await start_if_queued(workflow_id):
            return await execute_update(workflow_id, update, arg, result_type)
        if "already completed" in str(err):
            raise await _closed_order_error(workflow_id) from err
        raise _rpc_error(err, workflow_id) from err


async def execute_query(workflow_id: str, query: str, result_type: type) -> Any:
    handle = await workflow_handle(workflow_id)
    timeout = timedelta(seconds=get_settings().workflow_query_timeout_seconds)
    try:
        return await handle.query(query, result_type=result_type, rpc_timeout=timeout)
    except WorkflowQueryFailedError as err:
        raise TmfError(409, "QueryFailed", str(err)) from err
    except RPCError as err:
        if err.status in {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}:
            raise TmfError(
                503,
                "WorkflowUnavailable",
                f"The order's workflow did not answer within {timeout.total_seconds():g} s "
                "(no worker is running it); retry the request",
            ) from err
        if err.status == RPCStatusCode.NOT_FOUND and await is_queued(workflow_id):
            raise TmfError(
                409,
                "NotStarted",
                "The order is accepted and waits for the workers' capacity to start",
            ) from err
        raise _rpc_error(err, workflow_id) from err


async def _closed_order_error(workflow_id: str) -> TmfError:
    """A closed workflow, told in the order's terms: its id and final state."""
    order_id = workflow_id.removeprefix("order-").split("/")[0]
    document = await run_in_threadpool(orders.get_order, order_id)
    state = document.get("state", "closed") if document else "closed"
    return TmfError(
        409,
        "InvalidState",
        f"order {order_id} is {state}",
        "A closed order cannot be amended, cancelled or worked on; place a new order",
    )


def _rpc_error(err: RPCError, workflow_id: str) -> TmfError:
    if err.status == RPCStatusCode.INVALID_ARGUMENT and "size" in str(err).lower():
        # Past Temporal's payload limit: no retry helps, so never the 503 that invites one.
        return TmfError(413, "PayloadTooLarge", "The request is too large to pass on", str(err))
    if "already completed" in str(err):
        # The order exists but its workflow has closed: nothing can change it any more.
        return TmfError(409, "InvalidState", f"Workflow '{workflow_id}' has already closed")
    if err.status == RPCStatusCode.NOT_FOUND:
        return TmfError(404, "NotFound", f"No running workflow '{workflow_id}'")
    if err.status in {RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.INVALID_ARGUMENT}:
        return TmfError(409, "InvalidState", f"Workflow '{workflow_id}' no longer accepts this")
    return temporal_unreachable()
