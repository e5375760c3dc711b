"""Probes: /health/live (the process answers) and /health/ready (it can take orders)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.errors import TmfError
from api.temporal import get_client
from observability.health import CHECK_TIMEOUT_SECONDS, readiness

router = APIRouter(prefix="/health", tags=["ops"])


@router.get("/live", summary="Liveness: the process answers")
def live() -> dict[str, str]:
    return {"status": "live"}


@router.get(
    "/ready",
    summary="Readiness: database and Temporal reachable, catalog loaded",
    responses={503: {"description": "Not ready; `checks` says which dependency failed"}},
)
async def ready() -> JSONResponse:
    try:
        # A probe answers in seconds: the SDK's own connect retries for much longer.
        client = await asyncio.wait_for(get_client(), CHECK_TIMEOUT_SECONDS)
    except (TmfError, TimeoutError):
        client = None
    state = await readiness(client)
    return JSONResponse(state.as_json(), status_code=200 if state.ready else 503)
