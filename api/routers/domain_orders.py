"""TMF641 serviceOrder and TMF652 resourceOrder: the domain orders of product orders, read only.

GET /tmf-api/serviceOrdering/v4/serviceOrder[/{id}]
GET /tmf-api/resourceOrderingManagement/v4/resourceOrder[/{id}]

`externalReference.id=<product order id>` lists the domain orders realizing one product order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.domain_order_views import (
    RESOURCE_ORDERING_BASE,
    SERVICE_ORDERING_BASE,
    refs_of,
    split_ref_id,
    views_of,
)
from api.errors import TmfError
from api.identity import Caller, requires
from api.isolation import may_see_order
from api.order_plans import plan_view
from api.permissions import Permission
from api.tmf_query import (
    count_headers,
    parse_fields,
    parse_page,
    reject_unknown_filters,
    select_fields,
)
from config.settings import get_settings
from decomposition.catalog import CatalogVersion, Domain
from store import orders
from store.catalogs import catalog_version
from store.domain_orders import DomainOrderFilter, list_domain_orders

service_router = APIRouter(prefix=SERVICE_ORDERING_BASE, tags=["serviceOrder (TMF641)"])
resource_router = APIRouter(prefix=RESOURCE_ORDERING_BASE, tags=["resourceOrder (TMF652)"])

PRODUCT_ORDER_FILTER = "externalReference.id"
FILTERS = ("id", "state", PRODUCT_ORDER_FILTER, "relatedParty.id")
RESOURCE_NAMES = {Domain.SERVICE: "serviceOrder", Domain.RESOURCE: "resourceOrder"}

Document = dict[str, Any]


def _catalog(version: str | None) -> CatalogVersion | None:
    try:
        return catalog_version(version) if version else None
    except KeyError:
        return None


async def _views(document: Document, domain: Domain, wanted: list[str]) -> list[Document]:
    plan = await plan_view(document["id"], tolerate_unavailable=True)
    catalog = _catalog(plan.catalog_version if plan else None)
    return views_of(document, plan, domain, catalog, get_settings().public_base_url, wanted)


async def _list(domain: Domain, request: Request, caller: Caller) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), FILTERS)
    page = parse_page(params)
    # The product order's access rules: a customer sees its own orders' domain orders only.
    flt = DomainOrderFilter(
        domain=domain.value,
        id=params.get("id"),
        state=params.get("state"),
        order_id=params.get(PRODUCT_ORDER_FILTER),
        party_id=params.get("relatedParty.id"),
        customer_id=caller.party_scope(),
    )
    # The index pages; only the page's orders are read and their views built.
    by_order, selected, total = await run_in_threadpool(
        list_domain_orders, flt, page.offset, page.limit
    )
    # The page's open orders are asked for their plans at once: one slow workflow (no worker
    # running it) costs the page one query timeout, not one per order.
    pages = await asyncio.gather(
        *(_views(document, domain, wanted) for document, wanted in by_order)
    )
    built = {view["id"]: view for views in pages for view in views}
    fields = parse_fields(params)
    body = [select_fields(built[ref_id], fields) for ref_id in selected if ref_id in built]
    return JSONResponse(body, headers=count_headers(total, len(body)))


async def _retrieve(domain: Domain, ref_id: str, request: Request, caller: Caller) -> JSONResponse:
    name = RESOURCE_NAMES[domain]
    parts = split_ref_id(ref_id)
    document = await run_in_threadpool(orders.get_order, parts[0]) if parts else None
    if (
        document is None
        or not may_see_order(caller, document)
        or ref_id not in refs_of(document, domain)
    ):
        raise TmfError(404, "NotFound", f"No {name} with id '{ref_id}'")
    views = await _views(document, domain, [ref_id])
    if not views:
        raise TmfError(404, "NotFound", f"No {name} with id '{ref_id}'")
    return JSONResponse(select_fields(views[0], parse_fields(request.query_params)))


# The same access as the product orders they realize.
READER = requires(Permission.ORDER_READ)


@service_router.get("/serviceOrder", summary="List service orders (CFS/RFS domain orders)")
async def list_service_orders(request: Request, caller: Caller = READER) -> JSONResponse:
    return await _list(Domain.SERVICE, request, caller)


# The id is the domain order's workflow id, `order-<product order id>/<domain order id>`.
@service_router.get("/serviceOrder/{service_order_id:path}", summary="Retrieve a service order")
async def retrieve_service_order(
    service_order_id: str, request: Request, caller: Caller = READER
) -> JSONResponse:
    return await _retrieve(Domain.SERVICE, service_order_id, request, caller)


@resource_router.get("/resourceOrder", summary="List resource orders")
async def list_resource_orders(request: Request, caller: Caller = READER) -> JSONResponse:
    return await _list(Domain.RESOURCE, request, caller)


@resource_router.get("/resourceOrder/{resource_order_id:path}", summary="Retrieve a resource order")
async def retrieve_resource_order(
    resource_order_id: str, request: Request, caller: Caller = READER
) -> JSONResponse:
    return await _retrieve(Domain.RESOURCE, resource_order_id, request, caller)
