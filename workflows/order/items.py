"""The order's items as GET shows them: states from the plan's tasks, and the final state. Pure."""

from __future__ import annotations

from functools import partial
from operator import attrgetter
from typing import Any

from decomposition.plan import Plan, kept_for
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
    plan = execution.plan
    deferred = {d.root_item_id for d in plan.deferred}
    item_states, domain_order_states, past_point_of_no_return = execution.derived_states()
    # Each item's domain orders as (id, domain, specification, domain order), kept per plan: the
    # refs GET shows are made anew only for an item where one changed (issue 24: thousands per
    # order, compared at each event).
    domain_orders = kept_for(
        plan.domain_orders, f"refs-of-items:{order.id}", lambda: _refs_by_item(order.id, plan)
    )
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
        if not _shows(item.domain_order, refs, domain_order_states):
            item.domain_order = [
                DomainOrderRef(
                    id=i, domain=domain, specification=spec, state=domain_order_states[d]
                )
                for i, domain, spec, d in refs
            ]
    # A bundle's child items (nested, or linked by `bundles`): each from its own tasks.
    refresh_child_items(order, execution, partial(child_workflow_id, order.id))
    return [
        {"id": i.id, "fromState": before[i.id], "toState": i.state}
        for i in order.product_order_item
        if i.state != before[i.id]
    ]


Ref = tuple[str, str, str, str]  # workflow id, domain, specification, domain order id


def _refs_by_item(order_id: str, plan: Plan) -> dict[str, list[Ref]]:
    found: dict[str, list[Ref]] = {}
    for d in plan.domain_orders:
        ref = (child_workflow_id(order_id, d.id), d.domain.value, d.spec_id, d.id)
        found.setdefault(d.root_item_id, []).append(ref)
    return found


def _shows(shown: list[DomainOrderRef] | None, refs: list[Ref], states: dict[str, str]) -> bool:
    """The item already shows exactly these domain orders, in this order, in these states."""
    if shown is None or len(shown) != len(refs):
        return False
    for ref, (workflow_id, domain, spec, d) in zip(shown, refs, strict=True):
        if (
            ref.state != states[d]
            or ref.id != workflow_id
            or ref.domain != domain
            or ref.specification != spec
        ):
            return False
    return True


def snapshot(order: ProductOrder) -> list[object]:
    """What GET shows of the items: a change in it is worth a store write."""
    return [
        (i.id, i.state, i.point_of_no_return, _RefStates(i.domain_order or []))
        for i in order.all_items()
    ]


class _RefStates:
    """An item's domain orders in a snapshot, equal to another's when their states are. The refs
    are never changed in place (`refresh` puts new lists in), so the very same list is equal
    without reading it (issue 24: a snapshot of 1,000 items and 4,000 refs, four per wake)."""

    __slots__ = ("refs",)

    def __init__(self, refs: list[DomainOrderRef]) -> None:
        self.refs = refs

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _RefStates):
            return NotImplemented
        return self.refs is other.refs or list(map(_STATE, self.refs)) == list(
            map(_STATE, other.refs)
        )

    __hash__ = None  # type: ignore[assignment]


_STATE = attrgetter("state")


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
