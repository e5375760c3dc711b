"""GET /ops/v1/jeopardy: orders and tasks at risk, worst first, with the cause."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import TmfError
from api.identity import requires
from api.permissions import Permission
from api.tmf_query import count_headers, parse_page, reject_unknown_filters
from store import orders
from store.orders import JEOPARDY_RANK

router = APIRouter(prefix="/ops/v1/jeopardy", tags=["jeopardy"])


def _entry(document: dict[str, Any]) -> dict[str, Any]:
    jeopardy = document.get("jeopardy") or {}
    return {
        "orderId": document["id"],
        "href": document["href"],
        "state": document["state"],
        "level": jeopardy.get("level"),
        "cause": jeopardy.get("cause"),
        "dueDate": jeopardy.get("dueDate"),
        "forecastCompletionDate": jeopardy.get("forecastCompletionDate"),
        "tasks": jeopardy.get("tasks", []),
    }


@router.get(
    "",
    summary="Orders at risk (level=warning|critical), worst first",
    dependencies=[requires(Permission.ORDER_MONITOR)],
)
def orders_at_risk(request: Request) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), ["level"])
    level = params.get("level", "warning")
    if level not in {"warning", "critical"}:
        raise TmfError(400, "InvalidQuery", "'level' must be 'warning' or 'critical'")
    page = parse_page(params)
    found, total = orders.orders_at_risk(JEOPARDY_RANK[level], page.offset, page.limit)
    return JSONResponse([_entry(d) for d in found], headers=count_headers(total, len(found)))
