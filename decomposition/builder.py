"""Turns product instances into domain orders and tasks, following the catalog's relationships.

Ids are built from the product key and the spec id only ("service-cfs-broadband-1",
"service-rfs-sdwan-site-5.2" for site 2 of item 5, task "<domain order id>:<task key>"), never
from counters over the order, so the same product gets the same ids whether it is decomposed at
once or later (staggered decomposition) and whatever else the order contains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from decomposition.catalog import (
    Action,
    CatalogVersion,
    Domain,
    ServiceSpecification,
    Specification,
    TaskTemplate,
    WaitSource,
)
from decomposition.items import ProductInstance
from decomposition.plan import CompensationSpec, DomainOrder, PlanTask, RetrySpec
from decomposition.problems import Problem
from tmf.product_order import ProductOrderCreate

_JSON_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


@dataclass
class _Node:
    """One domain order of a product instance's realization tree."""

    id: str
    spec: Specification
    domain: Domain
    values: dict[str, Any]
    parent_id: str | None
    scope: tuple[int, ...]  # repeat indices along the path (e.g. the site number)


@dataclass
class _InstanceTasks:
    product_node_id: str
    nodes_by_spec: dict[str, list[_Node]]
    tasks: list[PlanTask] = field(default_factory=list)
    assetization: PlanTask | None = None
    # (task, spec id, task key) of "reliesOn:" references, resolved once all instances exist.
    cross_refs: list[tuple[PlanTask, str, str]] = field(default_factory=list)


def result_schema(fields: dict[str, str]) -> dict[str, Any] | None:
    """The JSON schema of a manual task's result, from the catalog's short form."""
    if not fields:
        return None
    return {
        "type": "object",
        "required": list(fields),
        "properties": {
            name: dict(_JSON_TYPES.get(kind, {"type": kind})) for name, kind in fields.items()
        },
    }


def _scoped(candidates: list[_Node], node: _Node) -> list[_Node]:
    """Of several instances of a spec, those in the same repeated branch (e.g. the same site)."""
    if len(candidates) <= 1:
        return candidates
    matching = []
    for candidate in candidates:
        common = min(len(candidate.scope), len(node.scope))
        if candidate.scope[:common] == node.scope[:common]:
            matching.append(candidate)
    return matching


class PlanBuilder:
    def __init__(self, catalog: CatalogVersion, order: ProductOrderCreate) -> None:
        self.catalog = catalog
        self.order = order
        self.domain_orders: list[DomainOrder] = []
        self.tasks: list[PlanTask] = []
        self.problems: list[Problem] = []
        self._instances: dict[str, _InstanceTasks] = {}
        self._static: dict[int, dict[str, Any]] = {}  # per template: the fields every task shares
        self._templates: dict[tuple[str, Action], dict[str, TaskTemplate]] = {}
        requested = order.requested_start_date
        self._start = requested.isoformat().replace("+00:00", "Z") if requested else None

    # -- realization tree ---------------------------------------------------------------------

    def _expand(self, instance: ProductInstance, values: dict[str, Any]) -> list[_Node]:
        nodes: list[_Node] = []
        stack: list[tuple[Specification, dict[str, Any], tuple[int, ...], str | None]] = [
            (instance.spec, values, (), None)
        ]
        while stack:
            spec, spec_values, scope, parent_id = stack.pop()
            domain = self.catalog.domain_of(spec)
            suffix = "".join(f".{i}" for i in scope)
            node = _Node(
                id=f"{domain.value}-{spec.id}-{instance.key}{suffix}",
                spec=spec,
                domain=domain,
                values=spec_values,
                parent_id=parent_id,
                scope=scope,
            )
            nodes.append(node)
            children = []
            for rel in spec.relationships:
                if rel.condition and not self.catalog.condition(rel.condition).holds(spec_values):
                    continue
                target = self.catalog.spec(rel.target)
                assert target is not None
                mapped = {
                    t: spec_values[s] for t, s in rel.attribute_mapping.items() if s in spec_values
                }
                if rel.repeat_per is None:
                    children.append((target, mapped, scope, node.id))
                    continue
                for index in range(1, int(spec_values.get(rel.repeat_per) or 0) + 1):
                    repeated = {**mapped, rel.index_as: index} if rel.index_as else mapped
                    children.append((target, repeated, (*scope, index), node.id))
            stack.extend(reversed(children))  # depth-first, in catalog order
        return nodes

    # -- tasks ------------------------------------------------------------------------------

    def _templates_by_key(self, spec: Specification, action: Action) -> dict[str, TaskTemplate]:
        key = (spec.id, action)
        found = self._templates.get(key)
        if found is None:
            found = {t.key: t for t in spec.tasks.get(action, [])}
            self._templates[key] = found
        return found

    def _static_fields(self, template: TaskTemplate) -> dict[str, Any]:
        static = self._static.get(id(template))
        if static is None:
            retry = template.retry or self.catalog.defaults.retry
            compensation = template.compensation
            static = {
                "key": template.key,
                "name": template.name,
                "kind": template.kind,
                "system": template.system,
                "operation": template.operation,
                "queue": template.queue,
                "skill": template.skill,
                "milestone": template.milestone,
                "wait_for": template.wait_for,
                "expected_duration_seconds": template.expected_duration_seconds,
                "point_of_no_return": template.point_of_no_return or template.assetization,
                "hard_point_of_no_return": template.assetization,
                "compensation": CompensationSpec(
                    system=compensation.system, operation=compensation.operation
                )
                if compensation
                else None,
                "retry": RetrySpec(
                    max_attempts=retry.max_attempts,
                    initial_interval_seconds=retry.initial_interval_seconds,
                    backoff=retry.backoff,
                    non_retryable_errors=list(retry.non_retryable_errors),
                ),
                "characteristics": list(template.characteristics),
                "result_schema": result_schema(template.result),
            }
            self._static[id(template)] = static
        return static

    def _params(
        self, instance: ProductInstance, node: _Node, template: TaskTemplate
    ) -> dict[str, Any]:
        if template.assetization:
            # Inventory keeps no personal data: only assetizable characteristics are recorded.
            keep = {c.name for c in instance.spec.characteristics if c.assetizable}
            params = {k: v for k, v in node.values.items() if k in keep}
        elif template.inputs is None:
            params = dict(node.values)
        else:
            params = {k: node.values[k] for k in template.inputs if k in node.values}
        params.update(template.params)
        if instance.product_id is not None:
            params["productId"] = instance.product_id
        if template.wait_for == WaitSource.REQUESTED_START_DATE:
            params["until"] = self._start
        return params

    def add_instance(self, instance: ProductInstance) -> None:
        action = instance.action
        nodes = self._expand(instance, instance.values)
        changed: dict[str, set[str]] | None = None
        if action == Action.MODIFY:
            old_nodes = self._expand(instance, instance.old_values or {})
            if [n.id for n in old_nodes] != [n.id for n in nodes]:
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
            changed = {}
            for old, new in zip(old_nodes, nodes, strict=True):
                names = old.values.keys() | new.values.keys()
                changed[new.id] = {n for n in names if old.values.get(n) != new.values.get(n)}

        # Which templates run: all of them, except in a modify, where a task tied to
        # characteristics runs only if one of them changed (untied tasks always run).
        selected: list[tuple[_Node, TaskTemplate]] = []
        for node in nodes:
            for template in node.spec.tasks.get(action, ()):
                if changed is not None and template.characteristics:
                    if not changed[node.id].intersection(template.characteristics):
                        continue
                selected.append((node, template))
        planned = {f"{node.id}:{t.key}" for node, t in selected}
        by_spec: dict[str, list[_Node]] = {}
        for node in nodes:
            by_spec.setdefault(node.spec.id, []).append(node)
        state = _InstanceTasks(product_node_id=nodes[0].id, nodes_by_spec=by_spec)
        self._instances[instance.key] = state

        asset_pair: tuple[_Node, TaskTemplate] | None = None
        for node, template in selected:
            if template.assetization:
                asset_pair = (node, template)
                continue
            state.tasks.append(self._task(instance, state, node, template, planned, action))
        if asset_pair is not None:
            node, template = asset_pair
            task = self._task(instance, state, node, template, planned, action)
            # The last task of a product: after every task of the product that nothing else
            # in the product waits for (so after all of them).
            awaited = {dep for t in state.tasks for dep in t.depends_on}
            task.depends_on.extend(
                t.id for t in state.tasks if t.id not in awaited and t.id not in task.depends_on
            )
            state.tasks.append(task)
            state.assetization = task

        with_tasks = {t.domain_order_id for t in state.tasks}
        for node in nodes:
            if changed is not None and node.domain != Domain.PRODUCT and node.id not in with_tasks:
                continue  # a modify leaves this part untouched
            self.domain_orders.append(self._domain_order(instance, node))
        self.tasks.extend(state.tasks)

    def _domain_order(self, instance: ProductInstance, node: _Node) -> DomainOrder:
        is_product = node.domain == Domain.PRODUCT
        parent_id = node.parent_id
        if is_product and instance.bundle_root is not None:
            root = self._instances.get(instance.bundle_root)
            if root is not None:
                parent_id = root.product_node_id
        spec = node.spec
        return DomainOrder.model_construct(
            id=node.id,
            domain=node.domain,
            spec_id=spec.id,
            category=spec.category.value if isinstance(spec, ServiceSpecification) else None,
            offering_id=instance.offering.id if is_product else None,
            item_id=instance.item_id,
            root_item_id=instance.root_item_id,
            product_key=instance.key,
            parent_id=parent_id,
            action=instance.action,
            product_id=instance.product_id if is_product else None,
            characteristics=dict(node.values),
        )

    def _task(
        self,
        instance: ProductInstance,
        state: _InstanceTasks,
        node: _Node,
        template: TaskTemplate,
        planned: set[str],
        action: Action,
    ) -> PlanTask:
        task = PlanTask.model_construct(
            id=f"{node.id}:{template.key}",
            domain_order_id=node.id,
            item_id=instance.item_id,
            root_item_id=instance.root_item_id,
            product_key=instance.key,
            depends_on=[],
            params=self._params(instance, node, template),
            **self._static_fields(template),
        )
        deps = self._resolve(state, node, template.depends_on, planned, action, task)
        if template.wait_for_task:
            waited = self._resolve(state, node, [template.wait_for_task], planned, action, task)
            if waited:
                task.params["appointmentTaskId"] = waited[0]
            deps.extend(d for d in waited if d not in deps)
        task.depends_on = deps
        return task

    def _resolve(
        self,
        state: _InstanceTasks,
        node: _Node,
        refs: Iterable[str],
        planned: set[str],
        action: Action,
        task: PlanTask,
    ) -> list[str]:
        """Task ids a list of references names, inside the product instance.

        A reference to a spec the conditions left out is dropped; one to a task not planned
        (a modify skips it) is replaced by that task's own dependencies, to keep the order.
        """
        found: list[str] = []
        for ref in refs:
            parts = ref.split(":")
            if parts[0] == "reliesOn":
                state.cross_refs.append((task, parts[1], parts[2]))
                continue
            if len(parts) == 1:
                targets = [(node, parts[0])]
            else:
                candidates = _scoped(state.nodes_by_spec.get(parts[0], []), node)
                targets = [(candidate, parts[1]) for candidate in candidates]
            for target, key in targets:
                target_id = f"{target.id}:{key}"
                if target_id in planned:
                    if target_id not in found:
                        found.append(target_id)
                    continue
                skipped = self._templates_by_key(target.spec, action).get(key)
                if skipped is not None:
                    for dep in self._resolve(
                        state, target, skipped.depends_on, planned, action, task
                    ):
                        if dep not in found:
                            found.append(dep)
        return found

    # -- across instances -----------------------------------------------------------------------

    def link(self, instances: Iterable[ProductInstance]) -> None:
        """Cross-product dependencies: reliesOn references and bundle roots after children."""
        for instance in instances:
            state = self._instances.get(instance.key)
            if state is None:
                continue
            for task, spec_id, key in state.cross_refs:
                for related_key in instance.relies_on:
                    related = self._instances.get(related_key)
                    if related is None:
                        continue
                    for target in related.nodes_by_spec.get(spec_id, []):
                        target_id = f"{target.id}:{key}"
                        if any(t.id == target_id for t in related.tasks):
                            if target_id not in task.depends_on:
                                task.depends_on.append(target_id)
            if state.assetization is not None:
                for child_key in instance.bundle_children:
                    child = self._instances.get(child_key)
                    if child is not None and child.assetization is not None:
                        state.assetization.depends_on.append(child.assetization.id)
