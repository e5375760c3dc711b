"""Validation and decomposition of an order, run as an activity so the workflow stays small."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import activity

from activities.logging_context import bind_activity_context
from decomposition.problems import Problem
from decomposition.structure import validate_structure
from log import get_logger
from tmf.product_order import ProductOrder

log = get_logger(__name__)


class PlanOrderInput(BaseModel):
    order: ProductOrder


class PlanOrderResult(BaseModel):
    problems: list[Problem] = []


@activity.defn(name="decomposition.plan_order")
def plan_order(input: PlanOrderInput) -> PlanOrderResult:
    bind_activity_context(input.order.id)
    problems = validate_structure(input.order)
    log.info("order validated", problems=len(problems))
    return PlanOrderResult(problems=problems)
