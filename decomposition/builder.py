"""Turns product instances into domain orders and tasks, following the catalog's relationships.

Ids are built from the product key and the spec id only ("service-cfs-internet-access-1",
"service-rfs-sdwan-site-5.2" for site 2 of item 5, task "<domain order id>:<task key>"), never
from counters over the order, so the same product gets the same ids whether it is decomposed at
once or later (staggered decomposition) and whatever else the order contains.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from decomposition.catalog import Action, CatalogVersion, Domain
from decomposition.fragment_cache import catalog_shapes
from decomposition.fragments import Fragment
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


# A product instance once planned: its fragment, node ids, task ids, and the position of its
# first task in the plan (its tasks follow in fragment order). A tuple: most are never read.
_Placed = tuple[Fragment, list[str], list[str], int]


class PlanBuilder:
    def __init__(self, catalog: CatalogVersion, order: ProductOrderCreate) -> None:
        self.catalog = catalog
        self.domain_orders: list[DomainOrder] = []
        self.domain_order_ids: list[str] = []  # theirs, in order (pydantic attributes read slowly)
        self.tasks: list[PlanTask] = []
        self.problems: list[Problem] = []
        self._placed: dict[str, _Placed] = {}
        self._shapes = catalog_shapes(catalog)
        self._fragments: dict[tuple[Any, ...], Fragment] = {}  # this plan's copies
        requested = order.requested_start_date
        self._start = requested.isoformat().replace("+00:00", "Z") if requested else None

    def _fragment(
        self, instance: ProductInstance, values: dict[str, Any], changed: frozenset[str] | None
    ) -> Fragment:
        spec = instance.spec
        names = self._shapes.structural_names(self.catalog, spec)
        key = (instance.spec_id, instance.action, tuple(map(values.get, names)), changed)
        fragment = self._fragments.get(key)
        if fragment is None:
            shared = self._shapes.fragment(
                self.catalog, key, spec, instance.action, values, changed
            )
            fragment = self._fragments[key] = shared.for_plan()
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
        # comprehensions or helper calls (in Python 3.11 each comprehension or call costs more
        # than the loop over a product's few nodes or tasks), and `PlanModel.trusted` inlined.
        key = instance.key
        item_id = instance.item_id
        root_item_id = instance.root_item_id
        product_id = instance.product_id
        product_values = instance.values
        node_ids: list[str] = []
        # Each node's values are a new dict; the root's are the product's own, made for it by
        # resolve_order and the root domain order's characteristics (tasks copy them).
        values: list[dict[str, Any]] = []
        nodes = fragment.nodes
        for node in nodes:
            node_ids.append(f"{node.prefix}{key}{node.suffix}")
            if node.parent is None:
                values.append(product_values)
                continue
            own = {}  # NodeShape.values, inlined
            for name, source in node.mapping:
                if source in product_values:
                    own[name] = product_values[source]
            if node.constants:
                own.update(node.constants)
            values.append(own)
        task_ids: list[str] = []
        shapes = fragment.tasks
        for shape in shapes:
            task_ids.append(f"{shape.id_head}{key}{shape.id_tail}")
        tasks = self.tasks
        self._placed[key] = (fragment, node_ids, task_ids, len(tasks))

        start = self._start
        for shape, task_id in zip(shapes, task_ids, strict=True):
            node_values = values[shape.node]
            inputs = shape.inputs
            if inputs is None:
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
                params["until"] = start
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

        offering_id = instance.offering_id
        action = instance.action
        bundle_parent = None
        if instance.bundle_root is not None and instance.bundle_root in self._placed:
            bundle_parent = self._placed[instance.bundle_root][1][0]
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

    def link(self, instances: Iterable[ProductInstance]) -> None:
        """Cross-product dependencies: reliesOn references, and bundles after their children."""
        tasks = self.tasks
        for instance in instances:
            placed = self._placed.get(instance.key)
            if placed is None:
                continue
            fragment, _, _, first = placed
            for position, spec_id, task_key in fragment.crossing:
                depends_on = tasks[first + position].depends_on
                for related_key in instance.relies_on:
                    related = self._placed.get(related_key)
                    if related is None:
                        continue
                    related_fragment, related_nodes, related_tasks, _ = related
                    planned = set(related_tasks)
                    for i in related_fragment.by_spec.get(spec_id, ()):
                        target = f"{related_nodes[i]}:{task_key}"
                        if target in planned and target not in depends_on:
                            depends_on.append(target)
            if not instance.bundle_children:
                continue
            # A bundle is fulfilled after its components: its own first tasks (e.g. the bundle
            # discount) and its assetization wait for the children's assetization.
            after = []
            for child_key in instance.bundle_children:
                child = self._placed.get(child_key)
                if child is not None and child[0].assetization is not None:
                    after.append(child[2][child[0].assetization])
            if after:
                own = fragment.assetization
                for position in range(len(fragment.tasks)):
                    depends_on = tasks[first + position].depends_on
                    if not depends_on or position == own:
                        depends_on.extend(a for a in after if a not in depends_on)
