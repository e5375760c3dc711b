"""Turns product instances into domain orders and tasks, following the catalog's relationships.

Ids are built from the product key and the spec id only ("service-cfs-internet-access-1",
"service-rfs-sdwan-site-5.2" for site 2 of item 5, task "<domain order id>:<task key>"), never
from counters over the order, so the same product gets the same ids whether it is decomposed at
once or later (staggered decomposition) and whatever else the order contains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from decomposition.catalog import Action, CatalogVersion, Domain
from decomposition.fragments import Fragment, build_fragment, expand, structural_names
from decomposition.items import ProductInstance
from decomposition.plan import DomainOrder, PlanTask
from decomposition.problems import Problem
from tmf.product_order import ProductOrderCreate

# Looked up once: attribute lookups on pydantic model classes are slow.
_new_task = PlanTask.trusted
_new_domain_order = DomainOrder.trusted


@dataclass
class _Placed:
    """A product instance once planned: its fragment, node ids and tasks."""

    fragment: Fragment
    node_ids: list[str]
    tasks: list[PlanTask] = field(default_factory=list)
    assetization: PlanTask | None = None
    cross: list[tuple[PlanTask, str, str]] = field(default_factory=list)


class PlanBuilder:
    def __init__(self, catalog: CatalogVersion, order: ProductOrderCreate) -> None:
        self.catalog = catalog
        self.domain_orders: list[DomainOrder] = []
        self.tasks: list[PlanTask] = []
        self.problems: list[Problem] = []
        self._placed: dict[str, _Placed] = {}
        self._fragments: dict[tuple[Any, ...], Fragment] = {}
        self._structural: dict[str, tuple[str, ...]] = {}
        requested = order.requested_start_date
        self._start = requested.isoformat().replace("+00:00", "Z") if requested else None

    def _fragment(
        self, instance: ProductInstance, values: dict[str, Any], changed: frozenset[str] | None
    ) -> Fragment:
        spec = instance.spec
        names = self._structural.get(spec.id)
        if names is None:
            names = self._structural[spec.id] = structural_names(self.catalog, spec)
        key = (spec.id, instance.action, tuple(map(values.get, names)), changed)
        fragment = self._fragments.get(key)
        if fragment is None:
            nodes = expand(self.catalog, spec, values)
            fragment = build_fragment(self.catalog, nodes, instance.action, changed)
            self._fragments[key] = fragment
        return fragment

    def add_instance(self, instance: ProductInstance) -> None:
        changed: frozenset[str] | None = None
        if instance.action == Action.MODIFY:
            old = instance.old_values or {}
            new = instance.values
            changed = frozenset(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))
            before = self._fragment(instance, old, changed)
            after = self._fragment(instance, new, changed)
            if [n.prefix + n.suffix for n in before.nodes] != [
                n.prefix + n.suffix for n in after.nodes
            ]:
                self.problems.append(
                    Problem(
                        code="UnsupportedModification",
                        reason=(
                            f"item '{instance.item_id}': the change would realize "
                            f"'{instance.offering.name}' with other services or resources; "
                            "order a delete and an add instead"
                        ),
                        item_id=instance.item_id,
                    )
                )
                return
        fragment = self._fragment(instance, instance.values, changed)
        self._place(instance, fragment)

    def _place(self, instance: ProductInstance, fragment: Fragment) -> None:
        key = instance.key
        item_id = instance.item_id
        root_item_id = instance.root_item_id
        product_id = instance.product_id
        offering_id = instance.offering.id
        nodes = fragment.nodes
        node_ids = [f"{n.prefix}{key}{n.suffix}" for n in nodes]
        # Each node's values are a new dict (the product's own are copied once, when used).
        values = [instance.values if n.parent is None else n.values(instance.values) for n in nodes]
        shapes = fragment.tasks
        task_ids = [f"{s.id_head}{key}{s.id_tail}" for s in shapes]
        placed = _Placed(fragment=fragment, node_ids=node_ids)
        self._placed[key] = placed
        tasks = placed.tasks

        for shape, task_id in zip(shapes, task_ids, strict=True):
            node_values = values[shape.node]
            if shape.keep is not None:
                # Inventory keeps no personal data: only assetizable characteristics.
                params = {k: v for k, v in node_values.items() if k in shape.keep}
            elif shape.inputs is None:
                params = dict(node_values)
            else:
                # Loops rather than comprehensions in here: in Python 3.11 each comprehension is
                # a function call, which costs more than the loop itself (a task has few).
                params = {}
                for name in shape.inputs:
                    if name in node_values:
                        params[name] = node_values[name]
            params.update(shape.constant_params)
            if product_id is not None:
                params["productId"] = product_id
            if shape.waited_task is not None:
                params["appointmentTaskId"] = task_ids[shape.waited_task]
            if shape.waits_for_start:
                params["until"] = self._start
            fields = shape.fields.copy()
            fields["id"] = task_id
            fields["domain_order_id"] = node_ids[shape.node]
            fields["item_id"] = item_id
            fields["root_item_id"] = root_item_id
            fields["product_key"] = key
            fields["depends_on"] = list(map(task_ids.__getitem__, shape.after))
            fields["params"] = params
            task = _new_task(fields)
            tasks.append(task)
            if shape.keep is not None:
                placed.assetization = task
            for spec_id, task_key in shape.cross:
                placed.cross.append((task, spec_id, task_key))

        bundle_parent = None
        if instance.bundle_root is not None and instance.bundle_root in self._placed:
            bundle_parent = self._placed[instance.bundle_root].node_ids[0]
        for i in fragment.emitted:
            node = nodes[i]
            is_product = node.domain == Domain.PRODUCT
            self.domain_orders.append(
                _new_domain_order(
                    {
                        "id": node_ids[i],
                        "domain": node.domain,
                        "spec_id": node.spec_id,
                        "category": node.category,
                        "offering_id": offering_id if is_product else None,
                        "item_id": item_id,
                        "root_item_id": root_item_id,
                        "product_key": key,
                        "parent_id": bundle_parent
                        if node.parent is None
                        else node_ids[node.parent],
                        "action": instance.action,
                        "product_id": product_id if is_product else None,
                        "characteristics": dict(values[i]) if node.parent is None else values[i],
                    }
                )
            )
        self.tasks.extend(tasks)

    def link(self, instances: Iterable[ProductInstance]) -> None:
        """Cross-product dependencies: reliesOn references, and bundles after their children."""
        for instance in instances:
            placed = self._placed.get(instance.key)
            if placed is None:
                continue
            for task, spec_id, task_key in placed.cross:
                for related_key in instance.relies_on:
                    related = self._placed.get(related_key)
                    if related is None:
                        continue
                    planned = {t.id for t in related.tasks}
                    for i in related.fragment.by_spec.get(spec_id, ()):
                        target = f"{related.node_ids[i]}:{task_key}"
                        if target in planned and target not in task.depends_on:
                            task.depends_on.append(target)
            if not instance.bundle_children:
                continue
            # A bundle is fulfilled after its components: its own first tasks (e.g. the bundle
            # discount) and its assetization wait for the children's assetization.
            children = [self._placed.get(k) for k in instance.bundle_children]
            after = [c.assetization.id for c in children if c and c.assetization]
            if after:
                for task in placed.tasks:
                    if not task.depends_on or task is placed.assetization:
                        task.depends_on.extend(a for a in after if a not in task.depends_on)
