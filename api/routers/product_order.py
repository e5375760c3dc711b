"""TMF622 Product Ordering v4: /tmf-api/productOrderingManagement/v4/productOrder."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api import drafts, returns
from api.admission import start_after_response
from api.dependencies import SettingsDep
from api.errors import TmfError, describe_validation_errors
from api.idempotency import request_fingerprint, scoped_key
from api.identity import Caller, requires
from api.isolation import check_parties, visible_order
from api.order_limits import refuse_oversized_order
from api.order_rules import amended_with_enrichment, apply_capture_rules
from api.permissions import Permission
from api.preconditions import bounded_header, if_match_version, order_etag, refuse_stale_version
from api.sealing import sealed_order
from api.tmf_query import (
    count_headers,
    parse_datetime,
    parse_fields,
    parse_page,
    reject_unknown_filters,
    select_fields,
)
from api.workflow_calls import execute_update
from config.settings import Settings
from decomposition.decompose import decompose
from decomposition.secrets import sealed_refs
from observability.logs import get_logger
from observability.metrics import count_accepted
from store import drafts as store_drafts
from store import orders, stock
from store.catalogs import catalog_version
from store.secrets import keep_sealed
from tmf.common import iso_z
from tmf.merge_patch import NON_PATCHABLE_ORDER_FIELDS, merge_patch
from tmf.product_order import (
    PRODUCT_ORDERING_BASE,
    OrderState,
    ProductOrder,
    ProductOrderCreate,
    order_href,
)
from workflows.messages import AmendOrder
from workflows.order import workflow_id_for

log = get_logger(__name__)
router = APIRouter(prefix=PRODUCT_ORDERING_BASE, tags=["productOrder"])

# Set by the server only; a client sending them has misunderstood the resource.
SERVER_OWNED_FIELDS = (
    "id",
    "href",
    "orderDate",
    "state",
    "completionDate",
    "cancellationDate",
    "review",
)

ORDER_FILTERS = {
    "id": "id",
    "state": "state",
    "externalId": "external_id",
    "relatedParty.id": "party_id",
}
DATE_FILTERS = {
    "orderDate": "order_date",
    "orderDate.gt": "order_date_gt",
    "orderDate.gte": "order_date_gte",
    "orderDate.lt": "order_date_lt",
    "orderDate.lte": "order_date_lte",
}


def refuse_order_without_customer(order: ProductOrderCreate) -> None:
    if not order.names_a_customer():
        raise TmfError(
            422,
            "InvalidBody",
            "Invalid value for 'relatedParty'",
            "relatedParty: the order needs a party with role 'customer' (the product's owner)",
        )


def refuse_impossible_dates(order: ProductOrderCreate, now: datetime) -> None:
    """A completion asked for in the past, or before the start, cannot be met: refused rather
    than accepted into a jeopardy nobody could clear."""
    due = order.requested_completion_date
    if due is None:
        return
    start = order.requested_start_date
    if due <= now:
        problem = f"requestedCompletionDate {iso_z(due)} is in the past"
    elif start is not None and due < start:
        problem = (
            f"requestedCompletionDate {iso_z(due)} is before requestedStartDate {iso_z(start)}"
        )
    else:
        return
    raise TmfError(422, "InvalidBody", "Invalid value for 'requestedCompletionDate'", problem)


def _now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@router.post(
    "/productOrder",
    status_code=201,
    summary="Create a product order (starts its workflow), or a draft (`state: draft`)",
    responses={201: {"description": "Created; `Location` is the order's href"}},
)
async def create_product_order(
    body: ProductOrderCreate,
    request: Request,
    settings: SettingsDep,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=200),
    caller: Caller = requires(Permission.ORDER_CREATE),
) -> JSONResponse:
    extra = body.model_extra or {}
    # TMF622 v5: a channel may create a draft, stored and editable but not submitted.
    draft = extra.get("state") == OrderState.DRAFT.value
    owned = [f for f in SERVER_OWNED_FIELDS if f in extra and not (f == "state" and draft)]
    if owned:
        raise TmfError(
            400,
            "ReadOnlyField",
            f"Field(s) set by the server cannot be given: {', '.join(owned)}",
        )
    check_parties(caller, body.related_party)
    refuse_oversized_order(body)
    refuse_order_without_customer(body)
    refuse_impossible_dates(body, datetime.now(UTC))
    # A return outside its policy's window (or asking for a remedy it does not offer) is
    # refused with the policy's reason; an exchange names the unit its replacement takes.
    body = await run_in_threadpool(returns.checked_returns, body)
    # Secret values (a porting PIN) stay in the store; the order carries references to them.
    sealing = sealed_order(body.model_dump(by_alias=True, exclude_none=True, exclude={"state"}))
    order_id = str(uuid.uuid4())
    structlog.contextvars.bind_contextvars(order_id=order_id, workflow_id=workflow_id_for(order_id))
    now = _now_ms()
    fields = sealing.document
    if draft:
        fields = drafts.with_channel_history(
            fields,
            drafts.acting_channels(request, fields.get("channel")),
            "created",
            caller.subject,
            now,
        )
        fields.update(state=OrderState.DRAFT, draftExpirationDate=drafts.expiration(now))
    order = ProductOrder(
        **fields,
        id=order_id,
        href=order_href(settings.public_base_url, order_id),
        orderDate=now,
    )
    # The catalog's rules: enrichment before decomposition; the duplicate screen runs in the
    # acceptance's transaction (a suspected duplicate is held for review, or refused: 409).
    order, screen = await run_in_threadpool(apply_capture_rules, order)
    try:
        document, created = await run_in_threadpool(
            orders.accept_order,
            order,
            scoped_key(caller, idempotency_key),
            settings.task_queue,
            sealing.sealed,
            request_fingerprint(sealing.document),
            not draft,
            screen,
        )
    except stock.OutOfStock as err:
        raise drafts.out_of_stock(err) from None
    except orders.RequestReusedError as err:
        raise TmfError(
            422,
            "IdempotencyKeyReused",
            f"This {err.which} was already used for another request",
            "Send the first request again to get its order, or use a new key",
        ) from None
    # A replayed request answers for the first order, as stored: log it under that order's ids.
    # (Held as a suspected duplicate: the order as the screen recorded it.)
    same = created and document.get("state") == order.state.value
    stored = order if same else ProductOrder.model_validate(document)
    structlog.contextvars.bind_contextvars(
        order_id=stored.id, workflow_id=workflow_id_for(stored.id)
    )
    # The order is durable now; its workflow starts right after this answer, or when the
    # workers catch up.
    if created and not draft:
        start_after_response(stored, settings)
        count_accepted(stored)
    log.info("order accepted", order_id=stored.id, created=created)
    headers = {"Location": stored.href}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(status_code=201, content=document, headers=headers)


@router.get("/productOrder/{order_id}", summary="Retrieve a product order")
def retrieve_product_order(
    order_id: str, request: Request, caller: Caller = requires(Permission.ORDER_READ)
) -> JSONResponse:
    document = visible_order(caller, order_id)
    return JSONResponse(
        select_fields(document, parse_fields(request.query_params)),
        headers={"ETag": order_etag(document)},
    )


@router.get("/productOrder", summary="List product orders, newest first")
def list_product_orders(
    request: Request, caller: Caller = requires(Permission.ORDER_READ)
) -> JSONResponse:
    params = request.query_params
    reject_unknown_filters(params.keys(), [*ORDER_FILTERS, *DATE_FILTERS])
    page = parse_page(params)
    criteria: dict[str, object] = {
        attr: params[name] for name, attr in ORDER_FILTERS.items() if name in params
    }
    criteria.update(
        {
            attr: parse_datetime(name, params[name])
            for name, attr in DATE_FILTERS.items()
            if name in params
        }
    )
    # A customer's list holds its own orders only, whatever it filters on.
    criteria["customer_id"] = caller.party_scope()
    found, total = orders.list_orders(orders.OrderFilter(**criteria), page.offset, page.limit)  # type: ignore[arg-type]
    fields = parse_fields(params)
    body = [select_fields(doc, fields) for doc in found]
    return JSONResponse(body, headers=count_headers(total, len(body)))


@router.patch(
    "/productOrder/{order_id}",
    summary="Amend an order in flight (JSON merge patch)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/merge-patch+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
            },
            "required": True,
        }
    },
)
async def amend_product_order(
    order_id: str,
    request: Request,
    settings: SettingsDep,
    caller: Caller = requires(Permission.ORDER_AMEND),
) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in {"application/merge-patch+json", "application/json"}:
        raise TmfError(
            415,
            "UnsupportedMediaType",
            "PATCH takes application/merge-patch+json or application/json",
        )
    try:
        patch = await request.json()
    except ValueError:
        raise TmfError(400, "InvalidBody", "Invalid JSON in request body") from None
    if not isinstance(patch, dict) or not patch:
        raise TmfError(400, "InvalidBody", "A merge patch is a non-empty JSON object")
    stored = await run_in_threadpool(visible_order, caller, order_id)
    if stored.get("state") == OrderState.DRAFT.value:
        return JSONResponse(await amend_draft(order_id, stored, patch, request, caller, settings))
    owned = sorted(NON_PATCHABLE_ORDER_FIELDS & set(patch))
    if owned:
        raise TmfError(400, "NonPatchableField", f"Field(s) cannot be patched: {', '.join(owned)}")
    reason = bounded_header(request, "X-Tessera-Reason", 2000)
    expected_version = if_match_version(request.headers.get("If-Match"))
    document = stored
    # Naming another party is refused whatever the order's state (403 before 409).
    if isinstance(patch.get("relatedParty"), list):
        check_parties(caller, patch["relatedParty"])
    if OrderState(document.get("state", "acknowledged")).is_final:
        raise TmfError(409, "InvalidState", f"order {order_id} is {document['state']}")
    refuse_stale_version(document, expected_version)
    # New secret values are sealed like the POST's; the order's own references pass as they are.
    sealing = sealed_order(patch, document.get("catalogVersion"), sealed_refs(document))
    patch = sealing.document
    try:
        amended = ProductOrderCreate.model_validate(merge_patch(document, patch))
    except ValidationError as err:
        raise TmfError(
            422,
            "InvalidBody",
            "The patched order is not valid",
            describe_validation_errors(err.errors()),
        ) from err
    check_parties(caller, amended.related_party)
    refuse_oversized_order(amended)
    refuse_order_without_customer(amended)
    if {"requestedStartDate", "requestedCompletionDate"} & set(patch):
        refuse_impossible_dates(amended, datetime.now(UTC))
    # Enrichment follows the amended characteristics (api/order_rules.py).
    enriched = await run_in_threadpool(amended_with_enrichment, document, amended, patch)
    if enriched is not patch:
        patch, amended = (
            enriched,
            ProductOrderCreate.model_validate(merge_patch(document, enriched)),
        )
    # The same catalog check the workflow makes, answered before anything reaches history.
    problems = await run_in_threadpool(amendment_problems, amended, document.get("catalogVersion"))
    if problems:
        raise TmfError(409, "Invalid", problems[0], "; ".join(problems))
    # An added handset no location has is refused now; one that is held at the next snapshot.
    try:
        await run_in_threadpool(stock.refuse_unavailable, order_id, amended)
    except stock.OutOfStock as err:
        raise drafts.out_of_stock(err) from None
    # Kept before the update: a refused one leaves them to be forgotten when the order closes.
    await run_in_threadpool(keep_sealed, order_id, sealing.sealed)
    order: ProductOrder = await execute_update(
        workflow_id_for(order_id),
        "amend_order",
        AmendOrder(
            patch=patch,
            actor=caller.subject,
            actor_role=caller.acting_role,
            reason=reason,
            expected_version=expected_version,
        ),
        ProductOrder,
    )
    return JSONResponse(order.to_tmf(), headers={"ETag": order_etag(order.to_tmf())})


def amendment_problems(order: ProductOrderCreate, version: str | None) -> list[str]:
    if version is None:
        return []
    result = decompose(order, catalog_version(version))
    return [p.reason for p in result.problems]


async def amend_draft(
    order_id: str,
    document: dict[str, Any],
    patch: dict[str, Any],
    request: Request,
    caller: Caller,
    settings: Settings,
) -> dict[str, Any]:
    """A draft's PATCH edits the stored document (no workflow runs yet); `state: acknowledged`
    in it submits the draft, with the rest of the patch applied first."""
    target = patch.pop("state", None)
    if target not in (None, OrderState.DRAFT.value, OrderState.ACKNOWLEDGED.value):
        raise TmfError(
            400,
            "InvalidState",
            f"A draft's state can only become 'acknowledged' (submit), not {target!r}",
        )
    owned = sorted((NON_PATCHABLE_ORDER_FIELDS - {"state"} | {"draftExpirationDate"}) & set(patch))
    if owned:
        raise TmfError(400, "NonPatchableField", f"Field(s) cannot be patched: {', '.join(owned)}")
    # Channels are history: named ones join the list instead of replacing it.
    named = patch.pop("channel", None)
    channels = drafts.acting_channels(request, named if isinstance(named, list) else None)
    merged = document
    if patch:
        sealing = sealed_order(patch, None, sealed_refs(document))
        merged = merge_patch(document, sealing.document)
        try:
            validated = ProductOrderCreate.model_validate(merged)
        except ValidationError as err:
            raise TmfError(
                422,
                "InvalidBody",
                "The patched draft is not valid",
                describe_validation_errors(err.errors()),
            ) from err
        # A customer may not hand its draft to another party.
        check_parties(caller, validated.related_party)
        refuse_oversized_order(validated)
        await run_in_threadpool(keep_sealed, order_id, sealing.sealed)
    if patch or named:
        merged = drafts.with_channel_history(merged, channels, "amended", caller.subject, _now_ms())
    if target == OrderState.ACKNOWLEDGED.value:
        # The dates a POST would be refused for, checked again now that the order is placed.
        refuse_impossible_dates(ProductOrderCreate.model_validate(merged), datetime.now(UTC))
        return await drafts.submit(order_id, merged, request, caller.subject, settings)
    try:
        edited = ProductOrder.model_validate(merged)
        return await run_in_threadpool(store_drafts.update_draft, edited)
    except store_drafts.DraftClosed as err:
        raise drafts.refuse_closed(err.state, order_id) from None
