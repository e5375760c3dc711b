"""Catalog management for the process admin: TMF620 create, merge-patch update and delete of
offerings, specifications, prices and categories, into a draft catalog version; the draft is
validated as a whole and published as the next version (orders in flight keep theirs).

POST/PATCH/DELETE /tmf-api/productCatalogManagement/v4/{resource}[/{id}]
GET  /ops/v1/catalog/draft            the draft's problems (empty: it may be published)
POST /ops/v1/catalog/draft/publish    publish it as the next version
DELETE /ops/v1/catalog/draft          discard it
GET  /ops/v1/catalog/audit            every change: who, when, what
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.catalog_documents import draft_documents
from api.errors import TmfError
from api.identity import Caller, requires
from api.permissions import Permission
from api.tmf_query import count_headers, parse_page
from config.settings import get_settings
from decomposition import catalog_draft
from decomposition.catalog import version_key
from store import catalog_admin
from store.catalog_admin import AuditEntry, Draft
from store.catalogs import catalog_repository
from tmf.product_catalog import PRODUCT_CATALOG_BASE

# Catalog changes are the process admin's, audited in the name of the token's subject.
MANAGER = requires(Permission.CATALOG_MANAGE)
router = APIRouter(prefix=PRODUCT_CATALOG_BASE, tags=["productCatalog management"])
ops_router = APIRouter(
    prefix="/ops/v1/catalog", tags=["catalog management"], dependencies=[MANAGER]
)

Document = dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _start() -> Draft:
    latest = catalog_repository().latest
    return Draft(latest.version, catalog_draft.new_draft(latest), {})


def _published_ids(resource: str) -> set[str]:
    latest = catalog_repository().latest
    document = catalog_draft.new_draft(latest)
    ids = {e["id"] for e in catalog_draft.entities(document, resource)}
    if resource == "productOfferingPrice":
        ids |= {p["id"] for o in latest.offerings for p in o.model_dump()["prices"]}
    return ids


def _rendered(draft: Draft, resource: str, entity_id: str) -> Document:
    documents = draft_documents(draft, get_settings().public_base_url)
    return next(d for d in documents[resource] if d["id"] == entity_id)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise TmfError(400, "InvalidBody", "Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise TmfError(400, "InvalidBody", "The body is a JSON object")
    return body


def _change(
    resource: str, entity_id: str, action: str, actor: str | None, apply: Any, body: Document
) -> Draft:
    def change(draft: Draft) -> AuditEntry:
        try:
            apply(draft.document)
        except catalog_draft.DraftError as err:
            raise TmfError(err.status, err.code, err.reason) from None
        draft.last_update[f"{resource}/{entity_id}"] = _now()
        return AuditEntry(actor, action, resource, entity_id, body)

    draft, _ = catalog_admin.change_draft(_start, change)
    return draft


def _create(resource: str, body: Document, actor: str | None) -> JSONResponse:
    if "id" in body:
        raise TmfError(400, "ReadOnlyField", "id is set by the server")
    entity_id = catalog_draft.slug_id(str(body.get("name") or ""), uuid.uuid4().hex[:6])

    def apply(document: Document) -> None:
        catalog_draft.create(document, resource, body, entity_id)

    draft = _change(resource, entity_id, "create", actor, apply, body)
    document = _rendered(draft, resource, entity_id)
    return JSONResponse(document, status_code=201, headers={"Location": document["href"]})


def _update(resource: str, entity_id: str, body: Document, actor: str | None) -> JSONResponse:
    def apply(document: Document) -> None:
        catalog_draft.update(document, resource, entity_id, body)

    draft = _change(resource, entity_id, "update", actor, apply, body)
    return JSONResponse(_rendered(draft, resource, entity_id))


def _delete(resource: str, entity_id: str, actor: str | None) -> Response:
    published = entity_id in _published_ids(resource)

    def apply(document: Document) -> None:
        catalog_draft.delete(document, resource, entity_id, published)

    _change(resource, entity_id, "delete", actor, apply, {})
    return Response(status_code=204)


def _routes(resource: str) -> None:
    async def create(request: Request, caller: Caller = MANAGER) -> JSONResponse:
        body = await _json_object(request)
        return await run_in_threadpool(_create, resource, body, caller.subject)

    async def update(entity_id: str, request: Request, caller: Caller = MANAGER) -> JSONResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in {"application/merge-patch+json", "application/json"}:
            raise TmfError(415, "UnsupportedMediaType", "PATCH takes application/merge-patch+json")
        body = await _json_object(request)
        return await run_in_threadpool(_update, resource, entity_id, body, caller.subject)

    async def delete(entity_id: str, caller: Caller = MANAGER) -> Response:
        return await run_in_threadpool(_delete, resource, entity_id, caller.subject)

    body_doc = {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}
    router.add_api_route(
        f"/{resource}",
        create,
        methods=["POST"],
        status_code=201,
        summary=f"Create a {resource} in the draft catalog",
        openapi_extra={"requestBody": body_doc},
    )
    router.add_api_route(
        f"/{resource}/{{entity_id}}",
        update,
        methods=["PATCH"],
        summary=f"Change a {resource} in the draft catalog (JSON merge patch)",
        openapi_extra={"requestBody": body_doc},
    )
    router.add_api_route(
        f"/{resource}/{{entity_id}}",
        delete,
        methods=["DELETE"],
        status_code=204,
        summary=f"Delete a {resource} never published",
    )


for _resource in catalog_draft.RESOURCES:
    _routes(_resource)


def next_version(current: str) -> str:
    """2026.1 -> 2026.2: the next number after every version known."""
    newest = max(catalog_repository().versions, key=version_key)
    parts = list(version_key(max(newest, current, key=version_key)))
    parts[-1] += 1
    return ".".join(str(p) for p in parts)


def _draft_problems() -> tuple[Draft, str, list[str]]:
    draft = catalog_admin.get_draft()
    if draft is None:
        raise TmfError(404, "NotFound", "There is no draft catalog: a change starts one")
    version = next_version(draft.base_version)
    return draft, version, catalog_draft.draft_problems(draft.document, version)


@ops_router.get("/draft", summary="The draft catalog: its base, next version and problems")
def get_draft_status() -> dict[str, Any]:
    draft, version, problems = _draft_problems()
    return {
        "baseVersion": draft.base_version,
        "nextVersion": version,
        "valid": not problems,
        "problems": problems,
        "changed": sorted(draft.last_update),
    }


@ops_router.post("/draft/publish", summary="Validate the draft as a whole and publish it")
def publish_draft(caller: Caller = MANAGER) -> JSONResponse:
    actor = caller.subject
    draft, version, problems = _draft_problems()
    if problems:
        return JSONResponse(
            status_code=409,
            content={
                "code": "InvalidCatalog",
                "reason": problems[0],
                "message": "; ".join(problems),
                "status": "409",
                "problems": problems,
            },
        )
    if catalog_repository().latest.version != draft.base_version:
        raise TmfError(
            409,
            "StaleDraft",
            f"version {catalog_repository().latest.version} was published after this draft "
            f"started from {draft.base_version}: discard it and start again",
        )
    catalog_admin.publish_draft(version, {**draft.document, "version": version}, actor)
    return JSONResponse({"version": version, "publishedBy": actor})


@ops_router.delete("/draft", status_code=204, summary="Discard the draft catalog")
def discard_draft(caller: Caller = MANAGER) -> Response:
    if not catalog_admin.discard_draft(caller.subject):
        raise TmfError(404, "NotFound", "There is no draft catalog")
    return Response(status_code=204)


@ops_router.get("/audit", summary="Catalog changes, newest first: who, when, what")
def catalog_audit(request: Request) -> JSONResponse:
    page = parse_page(request.query_params)
    rows, total = catalog_admin.audit_log(page.offset, page.limit)
    body = [
        {
            "at": row.at.isoformat() + "Z",
            "actor": row.actor,
            "action": row.action,
            "resource": row.resource,
            "resourceId": row.resource_id,
            "change": row.change,
        }
        for row in rows
    ]
    return JSONResponse(body, headers=count_headers(total, len(body)))
