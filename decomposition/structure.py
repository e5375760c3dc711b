"""Structural checks of an order that need no catalog: ids, relationships, actions."""

from __future__ import annotations

from collections import Counter

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
    items = order.product_order_item
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
    return problems
