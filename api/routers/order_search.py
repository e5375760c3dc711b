"""GET /ops/v1/orders: the workspace's order list, one summary row per order.

Searchable (free text over the order), filtered by state, customer, channel, jeopardy and
open fallout, newest first; each row carries what the list shows (offerings, jeopardy level,
due and forecast dates, open fallout cases) so the page needs one call per refresh.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import TmfError
from api.identity import requires
from api.permissions import Permission
from api.tmf_query import count_headers, parse_datetime, parse_page, reject_unknown_filters
from store.order_search import OrderSearch, open_fallout_counts, search_orders
from store.orders import JEOPARDY_RANK

router = APIRouter(prefix="/ops/v1/orders", tags=["order operations"])

SEARCH_PARAMS = ["q", "state", "customerId", "channel", "jeopardy", "fallout", "from", "to"]


def _search(request: Request) -> OrderSearch:
    params = request.query_params
    reject_unknown_filters(params.keys(), SEARCH_PARAMS)
    jeopardy = params.get("jeopardy") or None
    if jeopardy is not None and jeopardy not in {"warning", "critical"}:
        raise TmfError(400, "InvalidQuery", "'jeopardy' must be 'warning' or 'critical'")
    fallout = params.get("fallout") or None
    if fallout is not None and fallout != "open":
        raise TmfError(400, "InvalidQuery", "'fallout' must be 'open'")
    return OrderSearch(
        text=(params.get("q") or "").strip()[:200] or None,
        state=params.get("state") or None,
        customer_id=params.get("customerId") or None,
        channel=params.get("channel") or None,
        min_jeopardy_rank=None if jeopardy is None else JEOPARDY_RANK[jeopardy],
        with_open_fallout=fallout == "open",
        ordered_from=parse_datetime("from", params["from"]) if params.get("from") else None,
        ordered_before=parse_datetime("to", params["to"]) if params.get("to") else None,
    )


def order_summary(document: dict[str, Any], open_fallout: int) -> dict[str, Any]:
    items = document.get("productOrderItem") or []
    jeopardy = document.get("jeopardy") or {}
    customer = next(
        (p.get("id") for p in document.get("relatedParty") or [] if p.get("role") == "customer"),
        None,
    )
    channels = document.get("channel") or []
    return {
        "id": document["id"],
        "externalId": document.get("externalId"),
        "state": document.get("state"),
        "customerId": customer,
        "channel": (channels[0].get("name") or channels[0].get("id")) if channels else None,
        "offerings": sorted(
            {(i.get("productOffering") or {}).get("id") or i.get("action") for i in items}
        ),
        "items": len(items),
        "jeopardy": jeopardy.get("level") or "none",
        "dueDate": jeopardy.get("dueDate") or document.get("requestedCompletionDate"),
        "forecastCompletionDate": jeopardy.get("forecastCompletionDate")
        or document.get("expectedCompletionDate"),
        "orderDate": document.get("orderDate"),
        "completionDate": document.get("completionDate"),
        "openFallout": open_fallout,
    }


@router.get(
    "",
    summary="Search orders: one summary row each (q, state, jeopardy, fallout, ...)",
    # Every customer's orders: staff who act for any party.
    dependencies=[requires(Permission.ANY_PARTY)],
)
def list_order_summaries(request: Request) -> JSONResponse:
    search = _search(request)
    page = parse_page(request.query_params)
    documents, total = search_orders(search, page.offset, page.limit)
    fallout = open_fallout_counts([d["id"] for d in documents])
    rows = [order_summary(d, fallout.get(d["id"], 0)) for d in documents]
    return JSONResponse(rows, headers=count_headers(total, len(rows)))
