"""Plan preview: the plan with its critical path and expected duration, nothing started.

Pure: durations are in seconds from the start; the API adds the clock to give dates.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from decomposition.plan import CriticalPath, Plan
from decomposition.pricing import OrderPricing, price_order
from decomposition.problems import Problem
from tmf.product_inventory import Product
from tmf.product_order import ProductOrderCreate


class PlanPreview(BaseModel):
    plan: Plan
    critical_path: CriticalPath
    expected_duration_seconds: float
    task_count: int
    domain_order_count: int


class OrderPreview(BaseModel):
    """What `POST /ops/v1/plan-preview` answers: problems, or the preview and the prices."""

    problems: list[Problem] = Field(default_factory=list)
    preview: PlanPreview | None = None
    pricing: OrderPricing | None = None


def preview_plan(plan: Plan) -> PlanPreview:
    path = plan.critical_path()
    return PlanPreview(
        plan=plan,
        critical_path=path,
        expected_duration_seconds=path.duration_seconds,
        task_count=len(plan.tasks),
        domain_order_count=len(plan.domain_orders),
    )


def preview_order(
    order: ProductOrderCreate, catalog: CatalogVersion, inventory: Sequence[Product] = ()
) -> OrderPreview:
    result = decompose(order, catalog, inventory)
    if result.plan is None:
        return OrderPreview(problems=result.problems)
    return OrderPreview(
        preview=preview_plan(result.plan), pricing=price_order(order, catalog, inventory)
    )
