"""Turns product instances into domain orders and tasks, following the catalog's relationships.

Ids are built from the product key and the spec id only ("service-cfs-internet-access-1",
"service-rfs-sdwan-site-5.2" for site 2 of item 5, task "<domain order id>:<task key>"), never
from counters over the order, so the same product gets the same ids whether it is decomposed at
once or later (staggered decomposition) and whatever else the order contains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from decomposition.catalog import Action, CatalogVersion, Domain
from decomposition.fragments import Fragment, build_fragment, expand, structural_names
from decomposition.items import ProductInstance
from decomposition.plan import (
    DomainOrder,
    PlanTask,
    new_instance,
    set_dict,
    set_extra,
    set_fields_set,
    set_private,
)
from decomposition.problems import Problem
from tmf.product_order import ProductOrderCreate

# Looked up once: attribute lookups on pydantic model classes are slow.
_TASK_FIELDS_SET = PlanTask.fields_set()
_DOMAIN_ORDER_FIELDS_SET = DomainOrder.fields_set()
# Read per product: reading an attribute of an enum class is slow too.
_PRODUCT = Domain.PRODUCT
_MODIFY = Action.MODIFY


@dataclass(slots=True)
class _Placed:
    """A product instance once planned: its fragment, node ids and tasks."""

    fragment: Fragment
    node_ids: list[str]
    task_ids: list[str]
    tasks: list[PlanTask]
    assetization: PlanTask | None
    cross: list[tuple[PlanTask, str, str]]


class PlanBuilder:
    def __init__(self, catalog: CatalogVersion, order: ProductOrderCreate) -> None:
        self.catalog = catalog
        self.domain_orders: list[DomainOrder] = []
        self.domain_order_ids: list[str] = []  # theirs, in order (pydantic attributes read slowly)
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
        spec_id = instance.spec_id
        names = self._structural.get(spec_id)
        if names is None:
            names = self._structural[spec_id] = structural_names(self.catalog, instance.spec)
        key = (spec_id, instance.action, tuple(map(values.get, names)), changed)
        fragment = self._fragments.get(key)
        if fragment is None:
            nodes = expand(self.catalog, instance.spec, values)
            fragment = build_fragment(self.catalog, nodes, instance.action, changed)
            self._fragments[key] = fragment
        return fragment

    def add_instance(self, instance: ProductInstance) -> None:
        changed: frozenset[str] | None = None
        if instance.action == _MODIFY:
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
        # The hot loop of decomposition (~7,500 tasks for 1,000 items): plain loops rather than
        # comprehensions (in Python 3.11 each comprehension is a function call, which costs
        # more than the loop over a product's few nodes or tasks), and `PlanModel.trusted`
        # inlined.
        key = instance.key
        item_id = instance.item_id
        root_item_id = instance.root_item_id
        product_id = instance.product_id
        product_values = instance.values
        nodes = fragment.nodes
        node_ids: list[str] = []
        # Each node's values are a new dict (the product's own are copied once, when used).
        values: list[dict[str, Any]] = []
        for node in nodes:
            node_ids.append(f"{node.prefix}{key}{node.suffix}")
            values.append(product_values if node.parent is None else node.values(product_values))
        shapes = fragment.tasks
        task_ids: list[str] = []
        for shape in shapes:
            task_ids.append(f"{shape.id_head}{key}{shape.id_tail}")
        tasks: list[PlanTask] = []
        placed = _Placed(fragment, node_ids, task_ids, tasks, None, [])
        self._placed[key] = placed

        for shape, task_id in zip(shapes, task_ids, strict=True):
            node_values = values[shape.node]
            inputs = shape.inputs
            if shape.keep is not None:
                # Inventory keeps no personal data: only assetizable characteristics.
                keep = shape.keep
                params = {k: v for k, v in node_values.items() if k in keep}
            elif inputs is None:
                params = node_values.copy()
            else:
                params = {}
                for name in inputs:
                    if name in node_values:
                        params[name] = node_values[name]
            if shape.constant_params:
                params.update(shape.constant_params)
            if product_id is not None:
                params["productId"] = product_id
            if shape.waited_task is not None:
                params["appointmentTaskId"] = task_ids[shape.waited_task]
            if shape.waits_for_start:
                params["until"] = self._start
            depends_on: list[str] = []
            for position in shape.after:
                depends_on.append(task_ids[position])
            fields = shape.fields.copy()
            fields["id"] = task_id
            fields["domain_order_id"] = node_ids[shape.node]
            fields["item_id"] = item_id
            fields["root_item_id"] = root_item_id
            fields["product_key"] = key
            fields["depends_on"] = depends_on
            fields["params"] = params
            task = new_instance(PlanTask)  # PlanTask.trusted(fields), inlined
            set_dict(task, fields)
            set_fields_set(task, _TASK_FIELDS_SET)
            set_extra(task, None)
            set_private(task, None)
            tasks.append(task)
            if shape.keep is not None:
                placed.assetization = task
            if shape.cross:
                for spec_id, task_key in shape.cross:
                    placed.cross.append((task, spec_id, task_key))

        offering_id = instance.offering_id
        action = instance.action
        bundle_parent = None
        if instance.bundle_root is not None and instance.bundle_root in self._placed:
            bundle_parent = self._placed[instance.bundle_root].node_ids[0]
        domain_orders = self.domain_orders
        domain_order_ids = self.domain_order_ids
        for i in fragment.emitted:
            node = nodes[i]
            fields = node.order_fields.copy()
            fields["id"] = node_id = node_ids[i]
            domain_order_ids.append(node_id)
            if node.domain == _PRODUCT:
                fields["offering_id"] = offering_id
                fields["product_id"] = product_id
            fields["item_id"] = item_id
            fields["root_item_id"] = root_item_id
            fields["product_key"] = key
            parent = node.parent
            if parent is None:
                fields["parent_id"] = bundle_parent
                fields["characteristics"] = values[i].copy()
            else:
                fields["parent_id"] = node_ids[parent]
                fields["characteristics"] = values[i]
            fields["action"] = action
            domain_order = new_instance(DomainOrder)  # DomainOrder.trusted(fields), inlined
            set_dict(domain_order, fields)
            set_fields_set(domain_order, _DOMAIN_ORDER_FIELDS_SET)
            set_extra(domain_order, None)
            set_private(domain_order, None)
            domain_orders.append(domain_order)
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
                    planned = set(related.task_ids)
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
