"""What resolving an order's items gives: product instances, and problems for the order's items.

Apart from decomposition/items.py (which re-exports them) so that the modules resolving new and
existing products can build them without importing the resolver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decomposition.catalog import Action, ProductOffering, ProductSpecification
from decomposition.problems import Problem
from tmf.product_order import ProductOrderItem


@dataclass(slots=True)
class ProductInstance:
    key: str
    item_id: str
    root_item_id: str
    offering: ProductOffering
    spec: ProductSpecification
    # offering.id and spec.id: read for every instance, and pydantic attributes are slow to read.
    offering_id: str
    spec_id: str
    action: Action
    values: dict[str, Any]
    old_values: dict[str, Any] | None = None  # inventory values, for modify
    product_id: str | None = None  # the existing product acted on
    # Tuples, replaced rather than changed: an instance is made per product, and a shared
    # empty tuple costs nothing, unlike a new list.
    relies_on: tuple[str, ...] = ()  # product keys
    bundle_children: tuple[str, ...] = ()  # product keys, for a bundle root
    bundle_root: str | None = None  # product key of the bundle root, for a bundled child
    missing: tuple[str, ...] = ()  # requiredForDecomposition, not given


@dataclass
class ResolvedOrder:
    instances: list[ProductInstance]
    problems: list[Problem]


def item_problem(code: str, reason: str, item: ProductOrderItem) -> Problem:
    return Problem(code=code, reason=reason, item_id=item.id)
