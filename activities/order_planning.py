"""Validation and decomposition of an order against the catalog, as activities.

Decomposition is pure (decomposition/), but it reads the catalog files and the customer's
inventory, so the workflow runs it here and keeps only the resulting plan.
"""

from __future__ import annotations

import zlib

from pydantic import BaseModel
from temporalio import activity

from activities.logging_context import bind_activity_context
from config.settings import get_settings
from decomposition.decompose import decompose, extend_plan
from decomposition.enrichment import approvals_needed, total_amount
from decomposition.plan import Plan
from decomposition.pricing import OrderPricing, price_order
from decomposition.problems import Problem
from observability.logs import get_logger
from store.catalogs import catalog_version
from temporal_client.codec import ZLIB_LEVEL
from tmf.product_inventory import Product
from tmf.product_order import ItemAction, ProductOrder

log = get_logger(__name__)


def customer_inventory(order: ProductOrder) -> list[Product]:
    """The products the order's parties own, for modify/delete/suspend/resume items."""
    if all(
        item.action in {ItemAction.ADD, ItemAction.NO_CHANGE} for item in order.product_order_item
    ):
        return []  # a new customer's order needs no inventory read
    from store.inventory import products_for_party

    products: list[Product] = []
    for party_id in sorted({p.id for p in order.related_party}):
        products.extend(products_for_party(party_id))
    return products


def too_large(plan: Plan) -> list[Problem]:
    """A plan past ORDER_MAX_TASKS would not fit in Temporal's payload and history limits."""
    limit = get_settings().order_max_tasks
    if len(plan.tasks) <= limit:
        return []
    reason = (
        f"The order needs {len(plan.tasks)} fulfilment tasks; one order holds at most {limit} "
        "(ORDER_MAX_TASKS). Split it into several orders."
    )
    return [Problem(code="OrderTooLarge", reason=reason)]


class PlanOrderInput(BaseModel):
    order: ProductOrder
    # Amendments re-plan on the catalog version the order started with; new orders the latest.
    catalog_version: str | None = None


class PlanOrderResult(BaseModel):
    problems: list[Problem] = []
    plan: Plan | None = None
    pricing: OrderPricing | None = None
    # (rule id, reason) of the catalog's approval rules the priced order matches: the order
    # waits for an approver (workflows/order/review.py). Older results have none.
    approvals: list[tuple[str, str]] = []


def too_many_bytes(result: PlanOrderResult) -> PlanOrderResult:
    """The result itself, unless it is past ORDER_MAX_PLAN_BYTES: Temporal takes at most 2 MB in
    one payload, and a bigger result failed the activity on every retry while the order stayed
    `acknowledged`. Measured as the payload codec seals it: compressed, when it is large.
    Large characteristic values, copied into many tasks, make such a plan."""
    limit = get_settings().order_max_plan_bytes
    size = len(result.model_dump_json().encode())
    if size > limit:  # the codec compresses it (issue 24): what Temporal holds is smaller
        size = len(zlib.compress(result.model_dump_json().encode(), ZLIB_LEVEL))
    if size <= limit:
        return result
    reason = (
        f"The order's plan takes {size} bytes; one order's plan holds at most {limit} "
        "(ORDER_MAX_PLAN_BYTES). Send smaller characteristic values or fewer items."
    )
    return PlanOrderResult(problems=[Problem(code="OrderTooLarge", reason=reason)])


@activity.defn(name="decomposition.plan_order")
def plan_order(input: PlanOrderInput) -> PlanOrderResult:
    bind_activity_context(input.order.id)
    catalog = catalog_version(input.catalog_version)
    inventory = customer_inventory(input.order)
    result = decompose(input.order, catalog, inventory, order_id=input.order.id)
    log.info(
        "order decomposed",
        catalog_version=catalog.version,
        problems=len(result.problems),
        tasks=len(result.plan.tasks) if result.plan else 0,
        deferred=len(result.plan.deferred) if result.plan else 0,
    )
    if result.plan is None:
        return PlanOrderResult(problems=result.problems)
    if problems := too_large(result.plan):
        return PlanOrderResult(problems=problems)  # without the plan, which would not fit
    pricing = price_order(input.order, catalog, inventory)
    approvals = approvals_needed(input.order, catalog, total_amount(pricing.order_total_price))
    return too_many_bytes(
        PlanOrderResult(
            problems=pricing.problems, plan=result.plan, pricing=pricing, approvals=approvals
        )
    )


class ExtendPlanInput(BaseModel):
    order: ProductOrder
    plan: Plan


@activity.defn(name="decomposition.extend_plan")
def extend_order_plan(input: ExtendPlanInput) -> PlanOrderResult:
    """Decompose the parts that waited for information, on the catalog the order started with."""
    bind_activity_context(input.order.id)
    catalog = catalog_version(input.plan.catalog_version)
    result = extend_plan(input.plan, input.order, catalog, customer_inventory(input.order))
    log.info("plan extended", problems=len(result.problems))
    if result.plan is not None and (problems := too_large(result.plan)):
        return PlanOrderResult(problems=problems)
    return too_many_bytes(PlanOrderResult(problems=result.problems, plan=result.plan))
