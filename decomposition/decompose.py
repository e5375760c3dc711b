"""Decomposition: (order, catalog version, inventory) -> problems, or an orchestration plan.

Pure and deterministic: the same input gives the same plan, byte for byte, so it can run in a
Temporal activity and be replayed. Staggered decomposition: a product whose
`requiredForDecomposition` characteristics are missing is recorded as deferred (with everything
that waits for it) while the rest is planned; `extend_plan` later plans only the deferred parts.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pydantic import BaseModel, Field

from decomposition.builder import PlanBuilder
from decomposition.catalog import Action, CatalogVersion
from decomposition.graph import find_cycle
from decomposition.items import ProductInstance, resolve_order
from decomposition.plan import DeferredPart, Plan
from decomposition.problems import Problem
from decomposition.returns import set_deadlines
from decomposition.structure import validate_structure
from tmf.product_inventory import Product
from tmf.product_order import ProductOrderCreate, RelationshipType


class Decomposition(BaseModel):
    """Either problems (the order is rejected with them) or a plan."""

    plan: Plan | None = None
    problems: list[Problem] = Field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.plan is not None and not self.problems


_RELIES_ON = RelationshipType.RELIES_ON  # reading an attribute of an enum class is slow


def _item_cycle(order: ProductOrderCreate) -> list[Problem]:
    # Only items relying on others: one relying on none is in no cycle, and leaving it out
    # changes neither whether there is a cycle nor which one `find_cycle` finds first.
    graph: dict[str, list[str]] = {}
    for item in order.all_items():
        relationships = item.product_order_item_relationship
        if relationships:
            graph[item.id] = [
                rel.id for rel in relationships if rel.relationship_type == _RELIES_ON
            ]
    cycle = find_cycle(graph)
    if cycle is None:
        return []
    return [
        Problem(
            code="DependencyCycle",
            reason="items rely on each other in a cycle: " + " -> ".join(cycle),
            item_id=cycle[0],
        )
    ]


def _deferred_parts(instances: list[ProductInstance]) -> dict[str, DeferredPart]:
    """Instances that cannot be decomposed yet: missing information, or waiting for one that
    is (a product relying on it, or a bundle root waiting for its children)."""
    deferred: dict[str, DeferredPart] = {}
    if not any(i.missing for i in instances):
        return deferred  # nothing is missing, so nothing waits either
    by_key = {i.key: i for i in instances}
    decided: set[str] = set()
    for start in instances:
        # Iterative post-order over "waits for" edges (acyclic: item cycles were rejected).
        stack = [start.key]
        while stack:
            key = stack[-1]
            if key in decided:
                stack.pop()
                continue
            instance = by_key[key]
            waits = [k for k in (*instance.relies_on, *instance.bundle_children) if k in by_key]
            pending = [k for k in waits if k not in decided]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            decided.add(key)
            waiting_for = [k for k in waits if k in deferred]
            if instance.missing or waiting_for:
                deferred[key] = DeferredPart(
                    item_id=instance.item_id,
                    root_item_id=instance.root_item_id,
                    product_key=key,
                    offering_id=instance.offering.id,
                    spec_id=instance.spec.id,
                    action=instance.action,
                    missing=list(instance.missing),
                    waiting_for=waiting_for,
                )
    return deferred


# The cyclic garbage collector is process-wide: concurrent decompositions (activity or API
# threads) count themselves, so that it is re-enabled once the last one ends, and only if it was
# enabled when the first one began.
_collector_lock = threading.Lock()
_collector_pausers = 0
_collector_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a plan is built.

    A plan is a large tree of new container objects (~50,000 for 1,000 items), in no reference
    cycle. Their allocation triggers ~80 collections, each traversing the growing plan to free
    next to nothing (a few closures of fragment building): ~15% of the time. Reference counting
    frees everything else as usual, and the collector catches up in one collection on the first
    allocations after it is back on.
    """
    global _collector_pausers, _collector_was_enabled
    with _collector_lock:
        if _collector_pausers == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pausers += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pausers -= 1
            if _collector_pausers == 0 and _collector_was_enabled:
                gc.enable()


def decompose(
    order: ProductOrderCreate,
    catalog: CatalogVersion,
    inventory: Sequence[Product] = (),
    order_id: str | None = None,
) -> Decomposition:
    """Validates the order against the catalog and plans its fulfillment."""
    with _collector_paused():
        return _decompose(order, catalog, inventory, order_id)


def _decompose(
    order: ProductOrderCreate,
    catalog: CatalogVersion,
    inventory: Sequence[Product],
    order_id: str | None,
) -> Decomposition:
    problems = validate_structure(order)
    if problems:
        return Decomposition(problems=problems)
    problems = _item_cycle(order)
    if problems:
        return Decomposition(problems=problems)
    resolved = resolve_order(order, catalog, inventory)
    if resolved.problems:
        return Decomposition(problems=resolved.problems)

    deferred = _deferred_parts(resolved.instances)
    builder = PlanBuilder(catalog, order)
    planned = resolved.instances
    if deferred:
        planned = [i for i in planned if i.key not in deferred]
    for instance in planned:
        builder.add_instance(instance)
    if builder.problems:
        return Decomposition(problems=builder.problems)
    builder.link(planned)
    if any(i.action == Action.DELETE for i in planned):
        # A return's receiving task gets the end of its window (decomposition/returns.py).
        set_deadlines(builder.tasks, catalog, inventory, order.category)

    ids = builder.domain_order_ids
    if len(set(ids)) != len(ids):
        return Decomposition(
            problems=[
                Problem(
                    code="AmbiguousItemId",
                    reason="item ids collide once expanded (avoid '#', '/' and '.' in item ids)",
                )
            ]
        )
    plan = Plan.trusted(
        dict(
            order_id=order_id,
            catalog_version=catalog.version,
            domain_orders=builder.domain_orders,
            tasks=builder.tasks,
            deferred=[deferred[i.key] for i in resolved.instances if i.key in deferred],
        )
    )
    return Decomposition(plan=plan)


def extend_plan(
    plan: Plan,
    order: ProductOrderCreate,
    catalog: CatalogVersion,
    inventory: Sequence[Product] = (),
) -> Decomposition:
    """The running plan joined with the deferred parts the (updated) order now allows.

    Existing domain orders and tasks are kept exactly as they are (ids, params, dependencies);
    only parts deferred in `plan` are added. Parts still missing information stay deferred.
    """
    if catalog.version != plan.catalog_version:
        raise ValueError(
            f"the plan was made with catalog {plan.catalog_version}, not {catalog.version}: "
            "an order finishes on the catalog version it started with"
        )
    full = decompose(order, catalog, inventory, order_id=plan.order_id)
    if full.plan is None:
        return full
    waiting = {d.product_key for d in plan.deferred}
    known_orders = {d.id for d in plan.domain_orders}
    known_tasks = {t.id for t in plan.tasks}
    new_orders = [
        d for d in full.plan.domain_orders if d.product_key in waiting and d.id not in known_orders
    ]
    new_tasks = [t for t in full.plan.tasks if t.product_key in waiting and t.id not in known_tasks]
    known_tasks.update(t.id for t in new_tasks)
    for task in new_tasks:
        unknown = [d for d in task.depends_on if d not in known_tasks]
        if unknown:
            raise ValueError(f"task '{task.id}' depends on tasks outside the plan: {unknown}")
    extended = Plan.trusted(
        dict(
            order_id=plan.order_id,
            catalog_version=plan.catalog_version,
            domain_orders=[*plan.domain_orders, *new_orders],
            tasks=[*plan.tasks, *new_tasks],
            deferred=[d for d in full.plan.deferred if d.product_key in waiting],
        )
    )
    return Decomposition(plan=extended)
