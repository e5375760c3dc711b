"""Catalog management for the process admin: TMF620 create, merge-patch update and delete of
offerings, specifications, prices, discounts and categories, and of TMF633 service and TMF634
resource specifications, into the admin's own draft catalog version; the draft is validated as a
whole and published as the next version (orders in flight keep theirs). A draft started before
another admin published is carried onto that version, entity by entity (catalog_merge.py).

POST/PATCH/DELETE /tmf-api/productCatalogManagement/v4/{resource}[/{id}]
POST/PATCH/DELETE /tmf-api/serviceCatalogManagement/v4/serviceSpecification[/{id}]
POST/PATCH/DELETE /tmf-api/resourceCatalogManagement/v4/resourceSpecification[/{id}]
PATCH /tmf-api/productCatalogManagement/v4/catalog/draft   the draft's lifecycle: In test, Launched
GET  /ops/v1/catalog/draft            the caller's draft and its problems (none: publishable)
POST /ops/v1/catalog/draft/publish    publish it as the next version
DELETE /ops/v1/catalog/draft          discard it
GET  /ops/v1/catalog/audit            every change: who, when, what
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from api.catalog_documents import DRAFT, draft_documents
from api.errors import TmfError
from api.identity import Caller, requires
from api.permissions import Permission
from api.tmf_query import count_headers, parse_page
from config.settings import get_settings
from decomposition import catalog_draft
from decomposition.catalog import LifecycleStatus, version_key
from decomposition.catalog_merge import rebase
from store import catalog_admin
from store.catalog_admin import AuditEntry, Draft
from store.catalogs import catalog_repository
from tmf.product_catalog import (
    PRODUCT_CATALOG_BASE,
    RESOURCE_CATALOG_BASE,
    SERVICE_CATALOG_BASE,
)

# Catalog changes are the process admin's, audited in the name of the token's subject.
MANAGER = requires(Permission.CATALOG_MANAGE)
router = APIRouter(prefix=PRODUCT_CATALOG_BASE, tags=["productCatalog management"])
service_router = APIRouter(prefix=SERVICE_CATALOG_BASE, tags=["serviceCatalog management"])
resource_router = APIRouter(prefix=RESOURCE_CATALOG_BASE, tags=["resourceCatalog management"])
ROUTERS = {
    "serviceSpecification": service_router,
    "resourceSpecification": resource_router,
}
ops_router = APIRouter(
    prefix="/ops/v1/catalog", tags=["catalog management"], dependencies=[MANAGER]
)

Document = dict[str, Any]
IN_DESIGN = LifecycleStatus.IN_DESIGN.value
IN_TEST = LifecycleStatus.IN_TEST.value
LAUNCHED = LifecycleStatus.LAUNCHED.value


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
        ids |= {e["id"] for e in document.get("discounts", [])}
        ids |= {p.id for o in latest.offerings for p in o.prices}
        ids |= {d.id for o in latest.offerings for d in o.discounts}
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
        if draft.lifecycle_status == IN_TEST:
            raise TmfError(
                409,
                "DraftInTest",
                "your draft catalog is In test: move it back to In design "
                "(PATCH catalog/draft) to change it",
            )
        try:
            apply(draft.document)
        except catalog_draft.DraftError as err:
            raise TmfError(err.status, err.code, err.reason) from None
        draft.last_update[f"{resource}/{entity_id}"] = _now()
        return AuditEntry(actor, action, resource, entity_id, body)

    draft, _ = catalog_admin.change_draft(actor, _start, change)
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
    owner = ROUTERS.get(resource, router)
    owner.add_api_route(
        f"/{resource}",
        create,
        methods=["POST"],
        status_code=201,
        summary=f"Create a {resource} in the draft catalog",
        openapi_extra={"requestBody": body_doc},
    )
    owner.add_api_route(
        f"/{resource}/{{entity_id}}",
        update,
        methods=["PATCH"],
        summary=f"Change a {resource} in the draft catalog (JSON merge patch)",
        openapi_extra={"requestBody": body_doc},
    )
    owner.add_api_route(
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


@dataclass(frozen=True)
class Publishable:
    draft: Draft
    version: str  # the version it would be published as
    document: Document  # the draft, carried onto the latest version if another came since
    problems: list[str]


def publishable(actor: str | None) -> Publishable:
    draft = catalog_admin.get_draft(actor)
    if draft is None:
        raise TmfError(404, "NotFound", "You have no draft catalog: a change starts one")
    repository = catalog_repository()
    latest = repository.latest
    document, problems = draft.document, []
    if latest.version != draft.base_version:
        base = catalog_draft.new_draft(repository.get(draft.base_version))
        document, conflicts = rebase(base, draft.document, catalog_draft.new_draft(latest))
        problems = [
            f"{c} changed both in this draft and in version {latest.version}: discard the "
            "draft, or change it back, and start again"
            for c in conflicts
        ]
    version = next_version(draft.base_version)
    if not problems:
        problems = catalog_draft.draft_problems(document, version)
    return Publishable(draft, version, document, problems)


def _invalid(problems: list[str]) -> JSONResponse:
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


@ops_router.get("/draft", summary="Your draft catalog: its base, next version and problems")
def get_draft_status(caller: Caller = MANAGER) -> dict[str, Any]:
    found = publishable(caller.subject)
    return {
        "baseVersion": found.draft.base_version,
        "latestVersion": catalog_repository().latest.version,
        "nextVersion": found.version,
        "lifecycleStatus": found.draft.lifecycle_status,
        "valid": not found.problems,
        "problems": found.problems,
        # What would stop the offerings In test once launched (not blocking the publication).
        "inTestProblems": catalog_draft.launch_problems(found.document, found.version),
        "changed": sorted(found.draft.last_update),
    }


def _publish(actor: str | None) -> JSONResponse:
    found = publishable(actor)
    if found.problems:
        return _invalid(found.problems)
    try:
        catalog_admin.publish_draft(
            found.version, {**found.document, "version": found.version}, actor
        )
    except IntegrityError:
        raise TmfError(
            409,
            "StaleDraft",
            f"version {found.version} was published meanwhile: publish again to carry your "
            "draft onto it",
        ) from None
    return JSONResponse({"version": found.version, "publishedBy": actor})


@ops_router.post("/draft/publish", summary="Validate your draft as a whole and publish it")
def publish_draft(caller: Caller = MANAGER) -> JSONResponse:
    return _publish(caller.subject)


def _set_status(actor: str | None, status: str) -> None:
    def change(draft: Draft) -> AuditEntry:
        draft.lifecycle_status = status
        return AuditEntry(actor, "update", "catalog", DRAFT, {"lifecycleStatus": status})

    catalog_admin.change_draft(actor, _start, change)


@router.patch(
    "/catalog/{catalog_id}",
    summary="Move your draft catalog (id `draft`) through its lifecycle",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "required": True,
        }
    },
)
async def update_catalog(catalog_id: str, request: Request, caller: Caller = MANAGER) -> Response:
    """In design -> In test: validated as a whole, then frozen; In test -> In design: edited
    again; In test -> Launched: published as the next version. A published version never
    changes (it is Retired when a newer one is published)."""
    body = await _json_object(request)
    if catalog_id != DRAFT:
        raise TmfError(
            409,
            "Published",
            f"catalog {catalog_id} is published and does not change: edit your draft "
            f"(catalog '{DRAFT}')",
        )
    unknown = sorted(set(body) - {"lifecycleStatus"})
    if unknown:
        raise TmfError(400, "NonPatchableField", f"only lifecycleStatus changes: not {unknown}")
    return await run_in_threadpool(_move_draft, caller.subject, str(body.get("lifecycleStatus")))


def _move_draft(actor: str | None, wanted: str) -> Response:
    found = publishable(actor)
    before = found.draft.lifecycle_status
    allowed = {IN_DESIGN: {IN_TEST}, IN_TEST: {IN_DESIGN, LAUNCHED}}[before] | {before}
    if wanted not in allowed:
        raise TmfError(
            409,
            "InvalidLifecycleTransition",
            f"your draft catalog is {before}: it may become {', '.join(sorted(allowed))} "
            "(In design -> In test -> Launched)",
        )
    if wanted == LAUNCHED:
        return _publish(actor)
    if wanted == IN_TEST and found.problems:
        return _invalid(found.problems)
    _set_status(actor, wanted)
    base_url = get_settings().public_base_url
    draft = catalog_admin.get_draft(actor)
    assert draft is not None
    return JSONResponse(draft_documents(draft, base_url)["catalog"][0])


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
