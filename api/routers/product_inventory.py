"""TMF637 Product Inventory v4: /tmf-api/productInventory/v4/product.

Assetization (activities/product_inventory.py) records what orders deliver; POST records a
product directly, as TMF637 allows (a migration, a product sold outside Tessera).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.dependencies import SettingsDep
from api.errors import TmfError
from api.identity import Caller, requires
from api.permissions import Permission
from api.tmf_query import (
    count_headers,
    parse_fields,
    parse_page,
    reject_unknown_filters,
    select_fields,
)
from observability.logs import get_logger
from store import inventory
from tmf.product_inventory import PRODUCT_INVENTORY_BASE, Product, ProductCreate, product_href

log = get_logger(__name__)
router = APIRouter(prefix=PRODUCT_INVENTORY_BASE, tags=["productInventory"])

# Set by the server only; a client sending them has misunderstood the resource.
SERVER_OWNED_FIELDS = ("id", "href")

PRODUCT_FILTERS = {
    "id": "id",
    "status": "status",
    "productOffering.id": "offering_id",
    "relatedParty.id": "party_id",
}


def _with_href(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    # Stored without it: the href names wherever this API is served.
    href = product_href(base_url, document["id"])
    return {"id": document["id"], "href": href, **document}


@router.post(
    "/product",
    status_code=201,
    summary="Record a product in inventory",
    responses={201: {"description": "Created; `Location` is the product's href"}},
    dependencies=[requires(Permission.INVENTORY_WRITE)],
)
async def create_product(body: ProductCreate, settings: SettingsDep) -> JSONResponse:
    owned = [f for f in SERVER_OWNED_FIELDS if f in (body.model_extra or {})]
    if owned:
        raise TmfError(
            400,
            "ReadOnlyField",
            f"Field(s) set by the server cannot be given: {', '.join(owned)}",
        )
    product = Product(**body.model_dump(by_alias=True, exclude_none=True), id=str(uuid.uuid4()))
    document = _with_href(
        await run_in_threadpool(inventory.create_product, product), settings.public_base_url
    )
    log.info("product recorded", product_id=product.id)
    return JSONResponse(status_code=201, content=document, headers={"Location": document["href"]})


@router.get("/product/{product_id}", summary="Retrieve a product")
def retrieve_product(
    product_id: str,
    request: Request,
    settings: SettingsDep,
    caller: Caller = requires(Permission.INVENTORY_READ),
) -> JSONResponse:
    document = inventory.get_product_document(product_id)
    scope = caller.party_scope()
    if document is None or (
        scope is not None and scope not in {p.get("id") for p in document.get("relatedParty", [])}
    ):
        raise TmfError(404, "NotFound", f"No product with id '{product_id}'")
    return JSONResponse(
        select_fields(
            _with_href(document, settings.public_base_url), parse_fields(request.query_params)
        )
    )


@router.get("/product", summary="List products, newest first")
def list_products(
    request: Request, settings: SettingsDep, caller: Caller = requires(Permission.INVENTORY_READ)
) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), PRODUCT_FILTERS)
    page = parse_page(params)
    criteria = {attr: params[name] for name, attr in PRODUCT_FILTERS.items() if name in params}
    scope = caller.party_scope()
    if scope is not None:
        # A customer's own products only: its party, whatever relatedParty.id it asked for.
        if criteria.get("party_id", scope) != scope:
            return JSONResponse([], headers=count_headers(0, 0))
        criteria["party_id"] = scope
    found, total = inventory.list_products(
        inventory.ProductFilter(**criteria), page.offset, page.limit
    )
    fields = parse_fields(params)
    body = [select_fields(_with_href(doc, settings.public_base_url), fields) for doc in found]
    return JSONResponse(body, headers=count_headers(total, len(body)))
