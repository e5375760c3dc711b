"""Structural checks of an order that need no catalog: ids, relationships, actions."""

from __future__ import annotations

from collections import Counter

from decomposition.bundle_items import bundle_parents
from decomposition.problems import Problem
from tmf.product_order import ItemAction, ProductOrderCreate

# Actions that act on a product the customer already owns, so they must name it.
_ACTIONS_ON_EXISTING = {
    ItemAction.MODIFY,
    ItemAction.DELETE,
    ItemAction.SUSPEND,
    ItemAction.RESUME,
}


def validate_structure(order: ProductOrderCreate) -> list[Problem]:
    problems: list[Problem] = []
    items = order.all_items()  # a bundle's nested items too
    ids = [item.id for item in items]  # read once: attributes of pydantic models are slow
    known = set(ids)
    if len(known) != len(ids):
        counts = Counter(ids)
        for item_id, count in sorted(counts.items()):
            if count > 1:
                problems.append(
                    Problem(
                        code="DuplicateItemId",
                        reason=f"productOrderItem id '{item_id}' is used by {count} items",
                        item_id=item_id,
                    )
                )
    for item, item_id in zip(items, ids, strict=True):
        for rel in item.product_order_item_relationship:
            if rel.id not in known:
                problems.append(
                    Problem(
                        code="UnknownRelatedItem",
                        reason=(
                            f"item '{item_id}' has a {rel.relationship_type.value} relationship "
                            f"to item '{rel.id}', which is not in the order"
                        ),
                        item_id=item_id,
                    )
                )
            elif rel.id == item_id:
                problems.append(
                    Problem(
                        code="SelfRelationship",
                        reason=f"item '{item_id}' cannot relate to itself",
                        item_id=item_id,
                    )
                )
        if item.action in _ACTIONS_ON_EXISTING and not (item.product and item.product.id):
            problems.append(
                Problem(
                    code="MissingProductId",
                    reason=(
                        f"item '{item_id}' has action '{item.action.value}' but names no "
                        "product.id of an existing product"
                    ),
                    item_id=item_id,
                )
            )
    parents, bundled_twice = bundle_parents(order)
    problems.extend(bundled_twice)
    by_id = {item.id: item for item in items}
    for child_id, parent_id in parents.items():
        child, parent = by_id.get(child_id), by_id.get(parent_id)
        if child is None or parent is None or child_id == parent_id:
            continue  # reported above
        if child.action != parent.action:
            problems.append(
                Problem(
                    code="BundleActionMismatch",
                    reason=(
                        f"item '{child_id}' has action '{child.action.value}' but its bundle "
                        f"item '{parent_id}' has '{parent.action.value}'"
                    ),
                    item_id=child_id,
                )
            )
        if parent_id in parents:
            problems.append(
                Problem(
                    code="NestedBundle",
                    reason=f"item '{child_id}': bundles cannot nest (item '{parent_id}' is "
                    f"itself bundled in item '{parents[parent_id]}')",
                    item_id=child_id,
                )
            )
    return problems
