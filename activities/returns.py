"""The returns desk's settlement of a return: disposition, stock, refund or charge.

The plan's `settle` task (system `returns`, operation `settle_return`) runs after the returns
desk's inspection (a manual task with a structured result) or after its deadline passed with
nothing received. The decision is pure (decomposition/returns.py: `settle`); this activity
reads what it needs (the inspection, the product, the order's segment and catalog version),
applies the disposition to stock and records the return exactly once, then books the refund
or the charge with billing (its own idempotency key). Its result is the return's settlement,
which the customer reads on the order's return view (api/routers/returns.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.logging_context import bind_activity_context
from activities.southbound.billing import BillingSimulator
from activities.southbound.contract import (
    SOUTHBOUND_PERMANENT_ERROR,
    SOUTHBOUND_TRANSIENT_ERROR,
    SouthboundRequest,
    SouthboundResult,
)
from activities.southbound.simulator import new_id
from decomposition.returns import Disposition, Inspection, refundable_price, remedy_of, settle
from decomposition.stock import destination_of
from observability.logs import get_logger
from store import stock, tasks
from store.catalogs import catalog_version
from store.inventory import get_product, load_product, replace_product
from store.orders import get_order
from store.simulator_tables import SimulatorEffect, SimulatorResource
from store.simulators import ResourceState, add_resource, apply_once, utc_now

log = get_logger(__name__)
SYSTEM, OPERATION = "returns", "settle_return"
REFURBISHED = "-refurbished"  # the SKU suffix of refurbished units


def inspection_of(request: SouthboundRequest) -> Inspection:
    """The returns desk's result for the return this task belongs to (`params.inspection`
    names the receiving task's key)."""
    key = str(request.params.get("inspection") or "receive-return")
    task_id = f"{request.task_id.rsplit(':', 1)[0]}:{key}"
    result = tasks.completed_result(request.order_id, task_id)
    if result is None:  # the receiving task's row is written before its completion is reported
        raise ApplicationError(
            f"no inspection recorded for {task_id}", type=SOUTHBOUND_TRANSIENT_ERROR
        )
    return Inspection.model_validate(result)


def _permanent(message: str) -> ApplicationError:
    return ApplicationError(message, type=SOUTHBOUND_PERMANENT_ERROR, non_retryable=True)


def _decide(request: SouthboundRequest) -> dict[str, Any]:
    params = request.params
    product = get_product(str(params.get("productId") or ""))
    if product is None or product.product_offering is None:
        raise _permanent(f"product {params.get('productId')!r} is not in inventory")
    order = get_order(request.order_id) or {}
    catalog = catalog_version(order.get("catalogVersion"))
    offering = catalog.offering(product.product_offering.id)
    if offering is None or offering.return_policy is None:
        raise _permanent(f"offering {product.product_offering.id!r} has no return policy")
    price, currency = refundable_price(catalog, offering, product)
    settled = settle(
        offering.return_policy,
        order.get("category"),
        remedy_of(params.get("returnType")),
        params.get("returnReason"),
        inspection_of(request),
        price,
        currency,
    )
    return settled.as_result()


def _record(
    request: SouthboundRequest, settlement: dict[str, Any]
) -> Callable[[Session], dict[str, Any]]:
    def apply(session: Session) -> dict[str, Any]:
        data = dict(settlement)
        returned = _returned_model(session, request)
        sku = _shelf(data["disposition"], returned)
        if sku is not None:
            origin = destination_of(request.params.get("deliveryAddress"))
            data["restockedAt"] = stock.restock(session, sku, origin)
            data["restockedSku"] = sku
        _exchanged(session, request, data)
        now = utc_now()
        record = add_resource(
            session,
            SimulatorResource(
                id=new_id("rma"),
                system=SYSTEM,
                kind="return",
                state=ResourceState.DONE.value,
                order_id=request.order_id,
                item_id=request.item_id,
                task_id=request.task_id,
                created_by=request.idempotency_key,
                updated_by=request.idempotency_key,
                data=data,
                created_at=now,
                updated_at=now,
            ),
        )
        result = SouthboundResult(
            system=SYSTEM, operation=OPERATION, reference=record.id, data=data
        )
        return result.model_dump(mode="json")

    return apply


def _returned_model(session: Session, request: SouthboundRequest) -> str | None:
    """The model that came back: the product's in inventory (an exchange's item names the
    replacement's model, which may differ)."""
    product = load_product(session, str(request.params.get("productId") or ""))
    model = product.characteristic_values().get("model") if product else None
    return str(model) if model else None


def _shelf(disposition: str, model: str | None) -> str | None:
    """The SKU a returned unit goes back to stock as: resold as new, or as refurbished once
    the warehouse has refurbished it; a unit repaired for the customer, recycled or not ours
    goes to no shelf."""
    if model is None:
        return None
    if disposition == Disposition.RESTOCK.value:
        return model
    if disposition == Disposition.REFURBISH.value:
        return f"{model}{REFURBISHED}"
    return None


def _exchanged(session: Session, request: SouthboundRequest, data: dict[str, Any]) -> None:
    """An exchange for another model: the customer's product in inventory (TMF637) is now of
    the replacement's model."""
    model = request.params.get("model")
    if data["remedy"] != "exchange" or not model:
        return
    product = load_product(session, str(request.params.get("productId") or ""))
    if product is None or product.characteristic_values().get("model") == model:
        return
    chars = [
        c.model_copy(update={"value": model}) if c.name == "model" else c
        for c in product.product_characteristic
    ]
    replace_product(session, product.model_copy(update={"product_characteristic": chars}))
    data["exchangedFor"] = model


def _book(request: SouthboundRequest, settlement: dict[str, Any]) -> str | None:
    """The refund (a negative adjustment) or the charge, on billing; its adjustment id."""
    refund, charge = settlement["refund"]["value"], settlement["charge"]["value"]
    if not refund and not charge:
        return None
    amount = -refund if refund else charge
    reason = "return refund" if refund else "return charge: " + "; ".join(settlement["reasons"])
    booked = BillingSimulator().adjust_billing(
        SouthboundRequest(
            idempotency_key=f"{request.idempotency_key}/billing",
            order_id=request.order_id,
            item_id=request.item_id,
            task_id=request.task_id,
            params={"amount": amount, "reason": reason, "currency": settlement["refund"]["unit"]},
        )
    )
    return str(booked.data.get("adjustmentId") or booked.reference)


@activity.defn(name=f"{SYSTEM}.{OPERATION}")
def settle_return(request: SouthboundRequest) -> SouthboundResult:
    bind_activity_context(request.order_id)
    settlement = _decide(request)
    effect = SimulatorEffect(
        idempotency_key=request.idempotency_key,
        system=SYSTEM,
        operation=OPERATION,
        order_id=request.order_id,
        item_id=request.item_id,
        task_id=request.task_id,
        compensates=request.compensates,
        request=request.model_dump(mode="json"),
        result={},
        created_at=utc_now(),
    )
    stored, _ = apply_once(effect, _record(request, settlement))
    result = SouthboundResult.model_validate(stored.result)
    adjustment = _book(request, result.data)
    if adjustment is not None:
        result = result.model_copy(
            update={"data": {**result.data, "billingAdjustment": adjustment}}
        )
    log.info(
        "return settled",
        disposition=result.data["disposition"],
        refund=result.data["refund"]["value"],
        charge=result.data["charge"]["value"],
    )
    return result
