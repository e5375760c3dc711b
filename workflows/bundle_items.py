"""A bundle's child items as GET shows them: pure helpers the order workflow calls.

Child items are nested in their bundle item or linked to it by `bundles` relationships
(`decomposition/bundle_items.py`). Their tasks carry the child's id as `item_id` and the bundle
item's as `root_item_id`: the bundle item's state derives from all of them (as the order
workflow already does by `root_item_id`), and each child's from its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decomposition.bundle_items import bundle_parents
from decomposition.plan import Plan, PlanTask, kept_for
from tmf.product_order import DomainOrderRef, ItemState, ProductOrder, ProductOrderItem
from workflows.plan_execution import PlanExecution, TaskStatus, _item_state


def refresh_child_items(
    order: ProductOrder, execution: PlanExecution, ref_id: Callable[[str], str]
) -> None:
    """Each child item's state, domain orders and point of no return, from its own tasks."""
    parents, _ = bundle_parents(order)
    if not parents:
        return
    plan = execution.plan
    blocked = execution.blocked()
    statuses: dict[str, set[TaskStatus]] = {}
    past_point_of_no_return: set[str] = set()
    for task in plan.tasks:
        if task.item_id not in parents:
            continue
        status = execution.runs[task.id].status
        statuses.setdefault(task.item_id, set()).add(
            TaskStatus.FAILED if task.id in blocked else status
        )
        if task.point_of_no_return and status != TaskStatus.PENDING:
            past_point_of_no_return.add(task.item_id)
    domain_order_states = execution.domain_order_states()
    refs: dict[str, list[DomainOrderRef]] = {}
    for d in plan.domain_orders:
        if d.item_id in parents:
            refs.setdefault(d.item_id, []).append(
                DomainOrderRef(
                    id=ref_id(d.id),
                    domain=d.domain.value,
                    specification=d.spec_id,
                    state=domain_order_states[d.id],
                )
            )
    deferred = {d.item_id for d in plan.deferred}
    for item in order.all_items():
        if item.id not in parents or item.state == ItemState.CANCELLED:
            continue
        found = statuses.get(item.id)
        state = _item_state(found) if found else ItemState.COMPLETED  # nothing to do
        if item.id in deferred and state != ItemState.FAILED:
            state = ItemState.PENDING
        item.state = state
        item.point_of_no_return = item.id in past_point_of_no_return
        item.domain_order = refs.get(item.id, [])


def bundled_products(execution: PlanExecution, product_key: str) -> list[dict[str, Any]]:
    """For a bundle's assetization: the products its children were recorded as in inventory
    (its `productRelationship`s of type `bundles`)."""
    prefix = f"{product_key}/"
    found: list[dict[str, Any]] = []
    for task in _inventory_records(execution.plan):
        if not task.product_key.startswith(prefix):
            continue
        run = execution.runs[task.id]
        product_id = run.result.get("productId") if run.status == TaskStatus.COMPLETED else None
        if isinstance(product_id, str):
            found.append({"relationshipType": "bundles", "product": {"id": product_id}})
    return found


def _inventory_records(plan: Plan) -> list[PlanTask]:
    """The plan's tasks that record a product in inventory, in plan order, kept per plan (issue
    24: each bundle's assetization walked all 7,500 tasks of a 1,000-item plan)."""
    return kept_for(
        plan.tasks,
        "inventory_records",
        lambda: [
            t for t in plan.tasks if t.system == "product_inventory" and t.hard_point_of_no_return
        ],
    )


# What the server adds to an item: not part of what the customer asked.
_SERVER_FIELDS = frozenset(
    {"state", "itemPrice", "itemTotalPrice", "domainOrder", "pointOfNoReturn", "jeopardy"}
)


def _request(document: dict[str, Any], child_links: bool = False) -> dict[str, Any]:
    """An item as the customer asked for it, nested items left out (compared one by one); with
    `child_links`, its `bundles` relationships too (each linked child item is compared itself,
    so adding or removing one child does not change its bundle item)."""
    request = {
        k: v for k, v in document.items() if k not in _SERVER_FIELDS and k != "productOrderItem"
    }
    if child_links and "productOrderItemRelationship" in request:
        request["productOrderItemRelationship"] = [
            r
            for r in request["productOrderItemRelationship"]
            if r.get("relationshipType") != "bundles"
        ]
    return request


def _children(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in document.get("productOrderItem") or []}


def affected_items(
    before: list[ProductOrderItem],
    after: list[ProductOrderItem],
    cancelled: set[str],
    child_links: bool = False,
) -> list[str]:
    """Items an amendment removes or changes (added ones affect nothing running). A bundle item
    whose own request is unchanged is not affected when only some of its nested child items
    change or go: those children are; with `child_links` (patched "bundle-links-per-child"),
    likewise for child items linked by `bundles` relationships."""
    changed_after = {
        i.id: i.model_dump(mode="json", by_alias=True, exclude_none=True) for i in after
    }
    affected: list[str] = []
    for item in before:
        if item.id in cancelled:
            continue
        old = item.model_dump(mode="json", by_alias=True, exclude_none=True)
        new = changed_after.get(item.id)
        if new is None or _request(new, child_links) != _request(old, child_links):
            affected.append(item.id)
            continue
        new_children = _children(new)
        affected.extend(
            child_id
            for child_id, child in _children(old).items()
            if child_id not in new_children or _request(new_children[child_id]) != _request(child)
        )
    return affected
