"""Bundles as TMF622 channels send them: which items are a bundle's children.

Three forms name the same bundle: one item for the bundle offering holding every child's
characteristics (flattened: no child items); the bundle item with one nested `productOrderItem`
per bundled offering; or flat items, the bundle item linked to each child by a
`productOrderItemRelationship` of type `bundles` (or each child to the bundle by `bundled`).
Each child item keeps its own id; its products are keyed under the bundle item like the
flattened form's (`<bundle item>/<bundled key>`), so the three forms plan alike.
"""

from __future__ import annotations

from decomposition.problems import Problem
from tmf.product_order import ProductOrderCreate, ProductOrderItem, RelationshipType

_BUNDLES = RelationshipType.BUNDLES
_BUNDLED = RelationshipType.BUNDLED


def bundle_parents(order: ProductOrderCreate) -> tuple[dict[str, str], list[Problem]]:
    """child item id -> its bundle item id, and the problems of items bundled twice."""
    parents: dict[str, str] = {}
    problems: list[Problem] = []

    def link(child: str, parent: str) -> None:
        known = parents.get(child)
        if known is None:
            parents[child] = parent
        elif known != parent:
            problems.append(
                Problem(
                    code="BundledTwice",
                    reason=f"item '{child}' is bundled in both item '{known}' and item '{parent}'",
                    item_id=child,
                )
            )

    for item in order.all_items():
        for nested in item.product_order_item or []:
            link(nested.id, item.id)
        for rel in item.product_order_item_relationship:
            if rel.relationship_type == _BUNDLES:
                link(rel.id, item.id)
            elif rel.relationship_type == _BUNDLED:
                link(item.id, rel.id)
    return parents, problems


def children_by_bundle(
    order: ProductOrderCreate, parents: dict[str, str]
) -> dict[str, list[ProductOrderItem]]:
    """bundle item id -> its child items, in order."""
    children: dict[str, list[ProductOrderItem]] = {}
    if not parents:
        return children
    for item in order.all_items():
        parent = parents.get(item.id)
        if parent is not None:
            children.setdefault(parent, []).append(item)
    return children


def is_bundle_child(order: ProductOrderCreate, item_id: str) -> bool:
    return item_id in bundle_parents(order)[0]
