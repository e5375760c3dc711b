"""Helpers of the inventory tests: requests with fresh ids, run as Temporal runs activities."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.product_inventory import assetize, deassetize
from activities.southbound.contract import SouthboundRequest, SouthboundResult


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def product_body(customer: str, order_id: str, **characteristics: Any) -> dict[str, Any]:
    """A product as the orchestrator builds it: assetizable characteristics only."""
    return {
        "name": "Fiber Broadband",
        "productOffering": {"id": "fiber-broadband", "name": "Fiber Broadband"},
        "productSpecification": {"id": "broadband"},
        "productCharacteristic": [{"name": k, "value": v} for k, v in characteristics.items()],
        "relatedParty": [{"id": customer, "role": "customer", "@referredType": "Individual"}],
        "realizingService": [{"id": f"order-{order_id}/service-cfs-internet-access-1"}],
        "realizingResource": [{"id": f"order-{order_id}/resource-router-1"}],
        "productOrderItem": [
            {"orderItemId": "1", "productOrderId": order_id, "orderItemAction": "add"}
        ],
        "isBundle": False,
    }


def request(
    order_id: str,
    action: str,
    product: dict[str, Any] | None = None,
    product_id: str | None = None,
    key: str | None = None,
    compensates: str | None = None,
    item_id: str = "1",
    **extra: Any,
) -> SouthboundRequest:
    params: dict[str, Any] = {"action": action, **extra}
    if product is not None:
        params["product"] = product
    if product_id is not None:
        params["productId"] = product_id
    return SouthboundRequest(
        idempotency_key=key or f"{order_id}/{item_id}/assetize/{uuid.uuid4().hex[:8]}",
        order_id=order_id,
        item_id=item_id,
        task_id=f"{item_id}/assetize",
        params=params,
        compensates=compensates,
    )


def run_assetize(req: SouthboundRequest) -> SouthboundResult:
    result = ActivityEnvironment().run(assetize, req)
    assert isinstance(result, SouthboundResult)
    return result


def run_deassetize(req: SouthboundRequest) -> SouthboundResult:
    result = ActivityEnvironment().run(deassetize, req)
    assert isinstance(result, SouthboundResult)
    return result
