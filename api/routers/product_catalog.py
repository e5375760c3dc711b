"""TMF620 Product Catalog Management v4, read only: offerings, specifications, prices.

Served from the catalog files (settings.catalog_dir), the latest version unless `version=` names
another; the catalog changes by deploying a new version directory, never through this API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.dependencies import SettingsDep
from api.errors import TmfError
from api.tmf_query import (
    count_headers,
    parse_fields,
    parse_page,
    reject_unknown_filters,
    select_fields,
)
from config.settings import Settings
from decomposition import tmf620
from store.catalog_files import load_catalog_repository
from tmf.common import TmfModel
from tmf.product_catalog import PRODUCT_CATALOG_BASE

router = APIRouter(prefix=PRODUCT_CATALOG_BASE, tags=["productCatalog"])

# Selects the catalog version; it is also each entity's `version`, so it reads as a filter too.
VERSION_PARAM = "version"
COMMON_FILTERS = ("id", "name", "lifecycleStatus", "isBundle")
FILTERS = {
    "productOffering": (*COMMON_FILTERS, "isSellable", "channel.id", "productSpecification.id"),
    "productSpecification": COMMON_FILTERS,
    "productOfferingPrice": (*COMMON_FILTERS, "priceType"),
}

Document = dict[str, Any]


@dataclass(frozen=True)
class CatalogDocuments:
    """One catalog version as TMF620 documents, by resource name, in catalog order."""

    by_resource: dict[str, list[Document]]


@dataclass(frozen=True)
class Catalog:
    latest: str
    versions: dict[str, CatalogDocuments]


def _documents(models: Iterable[TmfModel]) -> list[Document]:
    return [m.to_tmf() for m in models]


@lru_cache(maxsize=4)
def load_catalog(directory: str, base_url: str) -> Catalog:
    """Every version of the catalog as documents: read and converted once per process."""
    repository = load_catalog_repository(directory)
    versions = {}
    for name in repository.versions:
        version = repository.get(name)
        versions[name] = CatalogDocuments(
            by_resource={
                "productOffering": _documents(tmf620.product_offerings(version, base_url)),
                "productSpecification": _documents(
                    tmf620.product_specifications(version, base_url)
                ),
                "productOfferingPrice": _documents(
                    tmf620.product_offering_prices(version, base_url)
                ),
            }
        )
    return Catalog(latest=repository.latest.version, versions=versions)


def _resources(resource: str, params: Mapping[str, str], settings: Settings) -> list[Document]:
    catalog = load_catalog(settings.catalog_dir, settings.public_base_url)
    name = params.get(VERSION_PARAM) or catalog.latest
    if name not in catalog.versions:
        raise TmfError(
            400,
            "InvalidQuery",
            f"Unknown catalog version '{name}'",
            f"Known versions: {', '.join(catalog.versions)}",
        )
    return catalog.versions[name].by_resource[resource]


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


def _list(resource: str, request: Request, settings: Settings) -> JSONResponse:
    params = request.query_params
    supported = FILTERS[resource]
    reject_unknown_filters(params.keys(), [*supported, VERSION_PARAM])
    page = parse_page(params)
    found = [
        doc
        for doc in _resources(resource, params, settings)
        if all(_matches(doc, name, params[name]) for name in supported if name in params)
    ]
    fields = parse_fields(params)
    body = [select_fields(doc, fields) for doc in found[page.offset : page.offset + page.limit]]
    return JSONResponse(body, headers=count_headers(len(found), len(body)))


def _retrieve(
    resource: str, resource_id: str, request: Request, settings: Settings
) -> JSONResponse:
    params = request.query_params
    for document in _resources(resource, params, settings):
        if document["id"] == resource_id:
            return JSONResponse(select_fields(document, parse_fields(params)))
    raise TmfError(404, "NotFound", f"No {resource} with id '{resource_id}'")


@router.get("/productOffering", summary="List product offerings")
def list_product_offerings(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("productOffering", request, settings)


@router.get("/productOffering/{offering_id}", summary="Retrieve a product offering")
def retrieve_product_offering(
    offering_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("productOffering", offering_id, request, settings)


@router.get("/productSpecification", summary="List product specifications")
def list_product_specifications(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("productSpecification", request, settings)


@router.get("/productSpecification/{spec_id}", summary="Retrieve a product specification")
def retrieve_product_specification(
    spec_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("productSpecification", spec_id, request, settings)


@router.get("/productOfferingPrice", summary="List product offering prices")
def list_product_offering_prices(request: Request, settings: SettingsDep) -> JSONResponse:
    return _list("productOfferingPrice", request, settings)


@router.get("/productOfferingPrice/{price_id}", summary="Retrieve a product offering price")
def retrieve_product_offering_price(
    price_id: str, request: Request, settings: SettingsDep
) -> JSONResponse:
    return _retrieve("productOfferingPrice", price_id, request, settings)
