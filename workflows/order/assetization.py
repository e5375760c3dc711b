"""The order-level context a task gets when it is dispatched. Pure.

Assetization (the catalog's last task per product, a hard point of no return) gets the TMF637
product as inventory will record it: the assetizable characteristics only (the task's params),
the realizing services and resources, and the order item it came from. An appointment is booked
at the order's requested start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from decomposition.catalog import WaitSource
from decomposition.plan import DomainOrder, Plan, PlanTask
from decomposition.pricing import product_prices
from tmf.common import OrderPrice
from tmf.product_order import ProductOrder
from workflows.bundle_items import bundled_products
from workflows.order.naming import child_workflow_id
from workflows.plan_execution import PlanExecution


def prepared(
    order: ProductOrder,
    plan: Plan,
    task: PlanTask,
    execution: PlanExecution | None = None,
    prices: dict[str, list[OrderPrice]] | None = None,
) -> PlanTask:
    """The task as its domain order runs it."""
    if task.system == "field_service" and order.requested_start_date is not None:
        when = order.requested_start_date.isoformat().replace("+00:00", "Z")
        return task.model_copy(update={"params": {**task.params, "requestedStartDate": when}})
    if task.system != "product_inventory":
        return task
    action = _product_order(plan, task).action.value
    product = inventory_product(order, plan, task)
    if execution is not None:
        # A bundle's product names its children's (recorded before it) in inventory.
        product["productRelationship"] = bundled_products(execution, task.product_key)
    # What the customer pays for it, kept by inventory (issue 26).
    product["productPrice"] = product_prices(prices or {}, task.product_key)
    params = {**task.params, "product": product, "action": action}
    return task.model_copy(update={"params": params})


def inventory_product(order: ProductOrder, plan: Plan, task: PlanTask) -> dict[str, Any]:
    """The TMF637 product an assetization task records."""
    product_order = _product_order(plan, task)
    realizing = [d for d in plan.domain_orders if d.product_key == task.product_key]
    item = order.item(task.item_id)
    offering = item.product_offering if item else None
    return {
        "name": offering.name or offering.id if offering else product_order.spec_id,
        "productOffering": {"id": product_order.offering_id or (offering.id if offering else "")},
        "productSpecification": {"id": product_order.spec_id},
        "productCharacteristic": [
            {"name": k, "value": v}
            for k, v in task.params.items()
            if k not in {"productId", "action"}
        ],
        "relatedParty": [p.to_tmf() for p in order.related_party],
        "realizingService": [
            {"id": child_workflow_id(order.id, d.id), "name": d.spec_id}
            for d in realizing
            if d.domain == "service"
        ],
        "realizingResource": [
            {"id": child_workflow_id(order.id, d.id), "name": d.spec_id}
            for d in realizing
            if d.domain == "resource"
        ],
        "productOrderItem": [
            {
                "orderItemId": task.item_id,
                "productOrderId": order.id,
                "orderItemAction": product_order.action.value,
            }
        ],
    }


def wait_until(order: ProductOrder, execution: PlanExecution, task: PlanTask) -> datetime | None:
    """When a wait task ends: the requested start date, or the booked appointment."""
    if task.wait_for == WaitSource.REQUESTED_START_DATE:
        return order.requested_start_date
    if task.wait_for == WaitSource.APPOINTMENT:
        booking = execution.runs.get(str(task.params.get("appointmentTaskId")))
        if booking is not None and "start" in booking.result:
            return datetime.fromisoformat(str(booking.result["start"]).replace("Z", "+00:00"))
    return None


def _product_order(plan: Plan, task: PlanTask) -> DomainOrder:
    return next(
        d for d in plan.domain_orders if d.product_key == task.product_key and d.domain == "product"
    )
