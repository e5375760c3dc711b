"""TMF620 Product Catalog Management v4 reads (offerings, specifications, prices, categories,
catalogs) and TMF633/TMF634 service and resource specifications.

The latest published version plus what exists only in the draft, unless `version=` names
another version (or `draft`). Writes are in `catalog_admin.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.catalog_documents import documents_for, known_versions
from api.dependencies import SettingsDep
from api.errors import TmfError
from api.identity import requires
from api.permissions import Permission
from api.tmf_query import (
    count_headers,
    parse_fields,
    parse_page,
    reject_unknown_filters,
    select_fields,
)
from config.settings import Settings
from tmf.product_catalog import (
    PRODUCT_CATALOG_BASE,
    RESOURCE_CATALOG_BASE,
    SERVICE_CATALOG_BASE,
)

router = APIRouter(prefix=PRODUCT_CATALOG_BASE, tags=["productCatalog"])
service_catalog_router = APIRouter(
    prefix=SERVICE_CATALOG_BASE,
    tags=["serviceCatalog (TMF633)"],
    dependencies=[requires(Permission.CATALOG_READ)],
)
resource_catalog_router = APIRouter(
    prefix=RESOURCE_CATALOG_BASE,
    tags=["resourceCatalog (TMF634)"],
    dependencies=[requires(Permission.CATALOG_READ)],
)

# Selects the catalog version; it is also each entity's `version`, so it reads as a filter too.
VERSION_PARAM = "version"
COMMON_FILTERS = ("id", "name", "lifecycleStatus", "isBundle", "lastUpdate")
FILTERS = {
    "productOffering": (*COMMON_FILTERS, "isSellable", "channel.id", "productSpecification.id"),
    "productSpecification": COMMON_FILTERS,
    "productOfferingPrice": (*COMMON_FILTERS, "priceType"),
    "category": ("id", "name", "lifecycleStatus", "isRoot", "parentId", "lastUpdate"),
    "catalog": ("id", "name", "lifecycleStatus"),
    "serviceSpecification": (*COMMON_FILTERS, "@type"),
    "resourceSpecification": COMMON_FILTERS,
}

Document = dict[str, Any]


def _resources(
    resource: str, params: Mapping[str, str], base_url: str, author: str | None
) -> list[Document]:
    documents = documents_for(params.get(VERSION_PARAM), base_url, author)
    if documents is None:
        raise TmfError(
            400,
            "InvalidQuery",
            f"Unknown catalog version '{params.get(VERSION_PARAM)}'",
            f"Known versions: {', '.join(known_versions(base_url, author))}",
        )
    found: list[Document] = documents[resource]
    return found


def _as_query_text(value: Any) -> str:
    # A query string holds text: booleans compare as JSON spells them.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches(document: Document, path: str, wanted: str) -> bool:
    """`a.b=x` holds when `a` (or any element of a list `a`) has `b` equal to x."""
    values: list[Any] = [document]
    for part in path.split("."):
        found: list[Any] = []
        for value in values:
            if isinstance(value, dict) and part in value:
                item = value[part]
                found.extend(item if isinstance(item, list) else [item])
        values = found
    return any(_as_query_text(v) == wanted for v in values)


def _author(request: Request) -> str | None:
    """The reader's subject: a process admin sees their own draft's entities too."""
    caller = getattr(request.state, "caller", None)
    return getattr(caller, "subject", None)


def _list(resource: str, request: Request, settings: Settings) -> JSONResponse:
    params = request.query_params
    supported = FILTERS[resource]
    reject_unknown_filters(params.keys(), [*supported, VERSION_PARAM])
    page = parse_page(params)
    found = [
        doc
        for doc in _resources(resource, params, settings.public_base_url, _author(request))
        if all(_matches(doc, name, params[name]) for name in supported if name in params)
    ]
    fields = parse_fields(params)
    body = [select_fields(doc, fields) for doc in found[page.offset : page.offset + page.limit]]
    return JSONResponse(body, headers=count_headers(len(found), len(body)))


def _retrieve(
    resource: str, resource_id: str, request: Request, settings: Settings
) -> JSONResponse:
    params = request.query_params
    for document in _resources(resource, params, settings.public_base_url, _author(request)):
        if document["id"] == resource_id:
            return JSONResponse(select_fields(document, parse_fields(params)))
    raise TmfError(404, "NotFound", f"No {resource} with id '{resource_id}'")


@router.get(
    "/productOffering",
    summary="List product offerings",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def list_product_offerings(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("productOffering", request, settings)


@router.get(
    "/productOffering/{offering_id}",
    summary="Retrieve a product offering",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def retrieve_product_offering(
    offering_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("productOffering", offering_id, request, settings)


@router.get(
    "/productSpecification",
    summary="List product specifications",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def list_product_specifications(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("productSpecification", request, settings)


@router.get(
    "/productSpecification/{spec_id}",
    summary="Retrieve a product specification",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def retrieve_product_specification(
    spec_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("productSpecification", spec_id, request, settings)


@router.get(
    "/productOfferingPrice",
    summary="List product offering prices",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def list_product_offering_prices(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("productOfferingPrice", request, settings)


@router.get(
    "/productOfferingPrice/{price_id}",
    summary="Retrieve a product offering price",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def retrieve_product_offering_price(
    price_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("productOfferingPrice", price_id, request, settings)


@router.get(
    "/category",
    summary="List categories",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def list_categories(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("category", request, settings)


@router.get(
    "/category/{category_id}",
    summary="Retrieve a category",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def retrieve_category(category_id: str, request: Request, settings: SettingsDep) -> JSONResponse:
    return _retrieve("category", category_id, request, settings)


@router.get(
    "/catalog",
    summary="List catalogs (one per catalog version)",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def list_catalogs(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("catalog", request, settings)


@router.get(
    "/catalog/{catalog_id}",
    summary="Retrieve a catalog",
    dependencies=[requires(Permission.CATALOG_READ)],
)
def retrieve_catalog(catalog_id: str, request: Request, settings: SettingsDep) -> JSONResponse:
    return _retrieve("catalog", catalog_id, request, settings)


@service_catalog_router.get("/serviceSpecification", summary="List service specifications")
def list_service_specifications(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("serviceSpecification", request, settings)


@service_catalog_router.get(
    "/serviceSpecification/{spec_id}", summary="Retrieve a service specification"
)
def retrieve_service_specification(
    spec_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("serviceSpecification", spec_id, request, settings)


@resource_catalog_router.get("/resourceSpecification", summary="List resource specifications")
def list_resource_specifications(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("resourceSpecification", request, settings)


@resource_catalog_router.get(
    "/resourceSpecification/{spec_id}", summary="Retrieve a resource specification"
)
def retrieve_resource_specification(
    spec_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("resourceSpecification", spec_id, request, settings)
