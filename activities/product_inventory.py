"""Assetization: record in the TMF637 product inventory what an order item delivered.

Two activities, each applied exactly once per idempotency key (a retried call returns the first
result with `replayed=True`):

- `product_inventory.assetize`, `params = {"action": "add"|"modify"|"delete"|"suspend"|"resume",
  "product": <TMF637 Product body>, "productId": <id, for every action but add>}`;
- `product_inventory.deassetize`: with `compensates`, removes the product the named add created
  (a no-op success if there is none); without, terminates `params["productId"]` (a delete).

Inventory keeps no personal data: it records only the characteristics it is given (the
orchestrator passes the assetizable ones) and its ledger keeps results, never requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.fallout import resolve_if_retried
from activities.logging_context import bind_activity_context
from activities.returns import inspection_of
from activities.southbound.contract import (
    SOUTHBOUND_PERMANENT_ERROR,
    SouthboundRequest,
    SouthboundResult,
)
from observability.logs import get_logger
from store import inventory
from store.inventory_tables import InventoryEffect
from tmf.common import EntityRef
from tmf.product_inventory import (
    Product,
    ProductRelationship,
    ProductStatus,
    RelatedProductOrderItem,
)

log = get_logger(__name__)

SYSTEM = "product_inventory"
# Namespace of product ids: uuid5(namespace, idempotency key of the add that created it).
PRODUCT_ID_NAMESPACE = uuid.UUID("6f1d2a52-4b7e-4c39-9a51-37c1f0e7a9d4")


class InventoryAction(StrEnum):
    ADD = "add"
    MODIFY = "modify"
    DELETE = "delete"
    SUSPEND = "suspend"
    RESUME = "resume"
    REMOVE = "remove"  # compensation of an add: the product never was


def product_id_for(idempotency_key: str) -> str:
    return str(uuid.uuid5(PRODUCT_ID_NAMESPACE, idempotency_key))


def _refuse(message: str) -> ApplicationError:
    # Retrying cannot fix a wrong request or a product in the wrong state.
    return ApplicationError(message, type=SOUTHBOUND_PERMANENT_ERROR, non_retryable=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _result(
    operation: str, product_id: str | None, status: ProductStatus | None, **extra: Any
) -> dict[str, Any]:
    data = {"productId": product_id, "status": status.value if status else None, **extra}
    result = SouthboundResult(
        system=SYSTEM, operation=operation, reference=product_id or "", data=data
    )
    return result.model_dump(mode="json")


def _perform(
    operation: str,
    action: InventoryAction,
    request: SouthboundRequest,
    apply: Callable[[Session, SouthboundRequest], dict[str, Any]],
) -> SouthboundResult:
    effect = InventoryEffect(
        idempotency_key=request.idempotency_key,
        operation=operation,
        action=action.value,
        order_id=request.order_id,
        result={},
        created_at=inventory.utc_now(),
    )
    stored, applied_now = inventory.apply_once(effect, lambda session: apply(session, request))
    if stored.operation != operation:
        # A caller bug: replaying another operation's result would hide it.
        raise _refuse(
            f"idempotency key {request.idempotency_key!r} was already used for "
            f"{SYSTEM}.{stored.operation}, not {SYSTEM}.{operation}"
        )
    result = SouthboundResult.model_validate(stored.result)
    log.info(
        "inventory updated",
        action=stored.action,
        product_id=stored.product_id,
        replayed=not applied_now,
    )
    # Assetization falls out like any system's task: a retry that succeeded resolves its case.
    resolve_if_retried(request.idempotency_key)
    return result.model_copy(update={"replayed": not applied_now})


# --- What each action does, inside the effect's transaction ----------------------------------


def _body(request: SouthboundRequest) -> dict[str, Any]:
    body = request.params.get("product", {})
    if not isinstance(body, dict):
        raise _refuse("params.product must be a TMF637 Product object")
    return body


def _given_product(request: SouthboundRequest, product_id: str, **fields: Any) -> Product:
    """The product of the request, validated, with server-owned fields set."""
    try:
        product = Product.model_validate({**_body(request), **fields, "id": product_id})
    except ValidationError as err:
        raise _refuse(f"params.product is not a valid TMF637 Product: {err}") from None
    return _with_order_item(product, request)


def _with_order_item(product: Product, request: SouthboundRequest) -> Product:
    """The order item acting on the product is listed among its productOrderItem."""
    known = {(i.product_order_id, i.order_item_id) for i in product.product_order_item}
    if (request.order_id, request.item_id) in known:
        return product
    action = request.params.get("action")
    item = RelatedProductOrderItem(
        order_item_id=request.item_id,
        product_order_id=request.order_id,
        order_item_action=action if isinstance(action, str) else None,
    )
    return product.model_copy(update={"product_order_item": [*product.product_order_item, item]})


def _existing(session: Session, request: SouthboundRequest) -> Product:
    product_id = request.params.get("productId")
    if not isinstance(product_id, str) or not product_id:
        raise _refuse("params.productId names no product")
    product = inventory.load_product(session, product_id)
    if product is None:
        raise _refuse(f"no product '{product_id}' in inventory")
    return product


def _add(session: Session, request: SouthboundRequest) -> dict[str, Any]:
    product_id = product_id_for(request.idempotency_key)
    product = _given_product(
        request, product_id, href=None, status=ProductStatus.ACTIVE, startDate=_now()
    )
    inventory.add_product(session, product)
    _link_bundled(session, product)
    return _result("assetize", product.id, product.status)


def _link_bundled(session: Session, bundle: Product) -> None:
    """Each product a bundle `bundles` names the bundle back (`bundled`), in the same effect."""
    for relationship in bundle.product_relationship:
        if relationship.relationship_type != "bundles":
            continue
        child = inventory.load_product(session, relationship.product.id)
        if child is None or any(
            r.relationship_type == "bundled" and r.product.id == bundle.id
            for r in child.product_relationship
        ):
            continue
        back = ProductRelationship(
            relationship_type="bundled", product=EntityRef(id=bundle.id, name=bundle.name)
        )
        inventory.replace_product(
            session,
            child.model_copy(update={"product_relationship": [*child.product_relationship, back]}),
        )


def _modify(session: Session, request: SouthboundRequest) -> dict[str, Any]:
    product = _existing(session, request)
    if product.status not in {ProductStatus.ACTIVE, ProductStatus.SUSPENDED}:
        raise _refuse(f"product '{product.id}' is {product.status.value}: it cannot be modified")
    given = _given_product(request, product.id)
    # Merge by name: a characteristic the order did not mention keeps its value.
    merged = {c.name: c for c in product.product_characteristic}
    merged.update({c.name: c for c in given.product_characteristic})
    update: dict[str, Any] = {"product_characteristic": list(merged.values())}
    if given.product_price:  # the price after the change (a faster speed, a higher fee)
        update["product_price"] = given.product_price
    changed = product.model_copy(update=update)
    inventory.replace_product(session, _with_order_item(changed, request))
    return _result("assetize", product.id, product.status)


def _status_change(
    to: ProductStatus, allowed_from: Collection[ProductStatus], operation: str = "assetize"
) -> Callable[[Session, SouthboundRequest], dict[str, Any]]:
    def apply(session: Session, request: SouthboundRequest) -> dict[str, Any]:
        product = _existing(session, request)
        if product.status == to:
            # Already there (another order got there first): nothing to change.
            return _result(operation, product.id, to, noop=True)
        if product.status not in allowed_from:
            raise _refuse(
                f"product '{product.id}' is {product.status.value}: it cannot become {to.value}"
            )
        update: dict[str, Any] = {"status": to}
        if to == ProductStatus.TERMINATED:
            update["termination_date"] = _now()
        inventory.replace_product(
            session, _with_order_item(product.model_copy(update=update), request)
        )
        return _result(operation, product.id, to)

    return apply


_LIVE = {
    ProductStatus.CREATED,
    ProductStatus.PENDING_ACTIVE,
    ProductStatus.ACTIVE,
    ProductStatus.SUSPENDED,
    ProductStatus.PENDING_TERMINATE,
}

_ASSETIZE: dict[InventoryAction, Callable[[Session, SouthboundRequest], dict[str, Any]]] = {
    InventoryAction.ADD: _add,
    InventoryAction.MODIFY: _modify,
    InventoryAction.DELETE: _status_change(ProductStatus.TERMINATED, _LIVE),
    InventoryAction.SUSPEND: _status_change(ProductStatus.SUSPENDED, {ProductStatus.ACTIVE}),
    InventoryAction.RESUME: _status_change(ProductStatus.ACTIVE, {ProductStatus.SUSPENDED}),
}


def _remove(session: Session, request: SouthboundRequest) -> dict[str, Any]:
    assert request.compensates is not None
    undone = inventory.effect_by_key(session, request.compensates)
    # Only an add is undone by removal; anything else (or nothing) leaves nothing to remove.
    if undone is None or undone.action != InventoryAction.ADD or undone.product_id is None:
        return _result("deassetize", None, None, noop=True)
    if not inventory.remove_product(session, undone.product_id):
        return _result("deassetize", undone.product_id, None, noop=True)
    return _result("deassetize", undone.product_id, None, removed=True)


# --- The activities ---------------------------------------------------------------------------


@activity.defn(name="product_inventory.assetize")
def assetize(request: SouthboundRequest) -> SouthboundResult:
    bind_activity_context(request.order_id)
    raw = request.params.get("action")
    if not isinstance(raw, str) or raw not in _ASSETIZE:
        raise _refuse(f"params.action must be one of {', '.join(_ASSETIZE)}, got {raw!r}")
    action = InventoryAction(raw)
    return _perform("assetize", action, request, _ASSETIZE[action])


_TERMINATE = _status_change(ProductStatus.TERMINATED, _LIVE, operation="deassetize")


def _kept(session: Session, request: SouthboundRequest) -> dict[str, Any]:
    """A return that never came back: the customer keeps the product, unchanged."""
    product = _existing(session, request)
    return _result("deassetize", product.id, product.status, noop=True, kept="not returned")


@activity.defn(name="product_inventory.deassetize")
def deassetize(request: SouthboundRequest) -> SouthboundResult:
    bind_activity_context(request.order_id)
    if request.compensates:
        return _perform("deassetize", InventoryAction.REMOVE, request, _remove)
    # A return's product ends only if it came back (the plan names the receiving task).
    if "inspection" in request.params and not inspection_of(request).received:
        return _perform("deassetize", InventoryAction.DELETE, request, _kept)
    return _perform("deassetize", InventoryAction.DELETE, request, _TERMINATE)


ACTIVITIES = [assetize, deassetize]
