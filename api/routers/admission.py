"""GET /ops/v1/admission: whether new orders start at once, and how many wait for capacity."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.admission import GATE
from api.dependencies import SettingsDep
from api.identity import requires
from api.permissions import Permission
from store import orders
from tmf.common import iso_z

router = APIRouter(prefix="/ops/v1/admission", tags=["admission"])


@router.get(
    "",
    summary="Order admission: the gate, the task queue backlog, queued orders",
    dependencies=[requires(Permission.ADMISSION_READ)],
)
async def admission_state(settings: SettingsDep) -> JSONResponse:
    return JSONResponse(
        {
            "open": GATE.open,
            "reason": GATE.reason,
            "maxBacklog": settings.order_admission_max_backlog,
            "workflowTaskBacklog": GATE.workflow_backlog,
            "activityTaskBacklog": GATE.activity_backlog,
            "checkedAt": iso_z(GATE.checked_at) if GATE.checked_at else None,
            "queuedOrders": await run_in_threadpool(orders.queued_count, settings.task_queue),
        }
    )
