"""The order's items as GET shows them: states from the plan's tasks, and the final state. Pure."""

from __future__ import annotations

from functools import partial
from typing import Any

from tmf.common import Characteristic
from tmf.product_order import (
    DomainOrderRef,
    ItemState,
    OrderState,
    ProductOrder,
    ProductRefOrValue,
)
from workflows.bundle_items import refresh_child_items
from workflows.order.naming import child_workflow_id
from workflows.plan_execution import PlanExecution


def refresh(
    order: ProductOrder, execution: PlanExecution, cancelled_items: set[str]
) -> list[dict[str, object]]:
    """Set each item's state, PONR flag and domain orders from its tasks; the items that moved."""
    before = {i.id: i.state for i in order.product_order_item}
    deferred = {d.root_item_id for d in execution.plan.deferred}
    item_states = execution.item_states()
    domain_order_states = execution.domain_order_states()
    past_point_of_no_return = execution.items_past_point_of_no_return()
    # Each item's domain orders as (id, domain, specification, state): the refs GET shows are
    # made anew only for an item where one changed (issue 24: thousands per order, each event).
    domain_orders: dict[str, list[tuple[str, str, str, str]]] = {}
    for d in execution.plan.domain_orders:
        ref = (child_workflow_id(order.id, d.id), d.domain.value, d.spec_id)
        domain_orders.setdefault(d.root_item_id, []).append((*ref, domain_order_states[d.id]))
    for item in order.product_order_item:
        if item.id in cancelled_items:
            continue
        state = item_states.get(item.id, ItemState.COMPLETED)  # no tasks: nothing to do
        if item.id in deferred and state != ItemState.FAILED:
            state = ItemState.PENDING
        if item.state != state:
            item.state = state
        if item.point_of_no_return != (passed := item.id in past_point_of_no_return):
            item.point_of_no_return = passed
        refs = domain_orders.get(item.id, [])
        shown = [(r.id, r.domain, r.specification, r.state) for r in item.domain_order or []]
        if item.domain_order is None or shown != refs:
            item.domain_order = [
                DomainOrderRef(id=i, domain=domain, specification=spec, state=state)
                for i, domain, spec, state in refs
            ]
    # A bundle's child items (nested, or linked by `bundles`): each from its own tasks.
    refresh_child_items(order, execution, partial(child_workflow_id, order.id))
    return [
        {"id": i.id, "fromState": before[i.id], "toState": i.state}
        for i in order.product_order_item
        if i.state != before[i.id]
    ]


def snapshot(order: ProductOrder) -> list[object]:
    """What GET shows of the items: a change in it is worth a store write."""
    return [
        (i.id, i.state, i.point_of_no_return, [d.state for d in i.domain_order or []])
        for i in order.all_items()
    ]


def final_state(order: ProductOrder, cancelled_items: set[str]) -> OrderState:
    states = {i.state for i in order.product_order_item if i.id not in cancelled_items}
    if not states:
        return OrderState.CANCELLED
    if states <= {ItemState.COMPLETED}:
        return OrderState.COMPLETED
    if ItemState.COMPLETED in states:
        return OrderState.PARTIAL
    return OrderState.FAILED


def with_characteristics(
    order: ProductOrder, item_id: str, characteristics: dict[str, Any]
) -> ProductOrder:
    """A copy of the order whose item carries these characteristics too (staggered information)."""
    informed = order.model_copy(deep=True)
    item = informed.item(item_id)
    assert item is not None
    product = item.product or ProductRefOrValue()
    values = {**product.characteristic_values(), **characteristics}
    product.product_characteristic = [
        Characteristic(name=name, value=value) for name, value in values.items()
    ]
    item.product = product
    return informed
