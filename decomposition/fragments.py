"""The shape of a product's plan: its realization tree and tasks, independent of the instance.

Products of the same spec, action and "structural" values (those read by conditions and repeats)
have the same shape; only ids and characteristic values differ. Computing the shape once and
instantiating it per product is what keeps a 1,000-item order within its time budget.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from decomposition.catalog import (
    Action,
    CatalogVersion,
    Domain,
    ServiceSpecification,
    Specification,
    TaskKind,
    TaskTemplate,
    WaitSource,
)
from decomposition.plan import CompensationSpec, RetrySpec
from decomposition.result_schema import result_schema


class _SharedKeys:
    """Holds the fields of a plan model as attributes, only for its `__dict__`.

    CPython gives the instances of a class dicts that share one table of keys (a "split" dict,
    PEP 412), and copying such a dict copies only its values: a third of the memory of an
    ordinary dict of PlanTask's 24 fields, and faster to copy and free. The builder copies one
    such dict per task and per domain order (~11,500 for 1,000 items); less memory also means
    fewer fresh pages to fault in. Any dict would be correct, only slower. One subclass per
    set of keys: the instances of a class share one table.
    """

    def __init__(self, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)


class _TaskFields(_SharedKeys):
    pass


class _DomainOrderFields(_SharedKeys):
    pass


@dataclass(frozen=True, slots=True)
class NodeShape:
    """One domain order of the tree; its values come from the product's through `mapping`."""

    prefix: str  # "service-cfs-internet-access-": the id is prefix + product key + suffix
    suffix: str  # ".2" for the second repeat (e.g. site 2), "" otherwise
    spec: Specification
    spec_id: str
    domain: Domain
    parent: int | None
    scope: tuple[int, ...]  # repeat indices along the path
    mapping: tuple[tuple[str, str], ...]  # (own characteristic, product characteristic)
    constants: tuple[tuple[str, Any], ...]  # e.g. ("siteIndex", 2)
    category: str | None  # "CFS" / "RFS" for services
    # Every DomainOrder field, in order: those of the node set, those of the product None.
    # A domain order's fields are a copy of it with the product's filled in.
    order_fields: dict[str, Any]

    def values(self, product_values: Mapping[str, Any]) -> dict[str, Any]:
        values = {}  # a loop: cheaper than a comprehension for a few values (Python 3.11)
        for own, src in self.mapping:
            if src in product_values:
                values[own] = product_values[src]
        values.update(self.constants)
        return values


@dataclass(frozen=True, slots=True)
class TaskShape:
    node: int
    template: TaskTemplate
    # Every PlanTask field, in order: those of the template set, those of the product None.
    # A task's fields are a copy of it with the product's filled in.
    fields: dict[str, Any]
    deps: tuple[tuple[int, str], ...]  # (node index, task key), inside the product
    waited: tuple[int, str] | None  # the booking task a wait-for-appointment reads
    cross: tuple[tuple[str, str], ...]  # "reliesOn:" references: (spec id, task key)
    inputs: tuple[str, ...] | None  # characteristic params; None: all the node's values
    key: str
    constant_params: dict[str, Any]
    waits_for_start: bool  # gets the order's requestedStartDate as param "until"
    # The task id is id_head + product key + id_tail ("<domain order id>:<task key>").
    id_head: str
    id_tail: str
    # `deps` and `waited` as positions in Fragment.tasks, so that instantiating a product looks
    # its task ids up instead of building each string again.
    after: tuple[int, ...] = ()
    waited_task: int | None = None


@dataclass(frozen=True, slots=True)
class Fragment:
    nodes: tuple[NodeShape, ...]
    tasks: tuple[TaskShape, ...]
    emitted: tuple[int, ...]  # nodes that become domain orders
    by_spec: dict[str, tuple[int, ...]]
    # The tasks' "reliesOn:" references, (task position, spec id, task key), for linking.
    crossing: tuple[tuple[int, str, str], ...]
    assetization: int | None  # the position of the assetization task

    def for_plan(self) -> Fragment:
        """A copy whose tasks have their own mutable field values (characteristics, result
        schema, retry policy). The tasks of one template share them within a plan, but fragments
        are kept per catalog version, and a plan must not share anything it could change with
        another."""
        return replace(
            self, tasks=tuple(replace(t, fields=_own_values(t.fields)) for t in self.tasks)
        )


def structural_names(catalog: CatalogVersion, product: Specification) -> tuple[str, ...]:
    """Product characteristics that conditions or repeats may read, at any depth."""
    names: list[str] = []
    stack: list[tuple[Specification, dict[str, str]]] = [
        (product, {c.name: c.name for c in product.characteristics})
    ]
    while stack:
        spec, to_product = stack.pop()
        # Task conditions (`when`) choose the tasks: products differing in them differ in shape.
        for templates in spec.tasks.values():
            for template in templates:
                if template.when:
                    when = catalog.condition(template.when).names
                    names.extend(to_product[n] for n in sorted(when) if n in to_product)
        for rel in spec.relationships:
            read = set(catalog.condition(rel.condition).names) if rel.condition else set()
            if rel.repeat_per:
                read.add(rel.repeat_per)
            names.extend(to_product[n] for n in sorted(read) if n in to_product)
            target = catalog.spec(rel.target)
            if target is not None:
                mapped = {
                    t: to_product[s] for t, s in rel.attribute_mapping.items() if s in to_product
                }
                stack.append((target, mapped))
    return tuple(dict.fromkeys(names))


def expand(
    catalog: CatalogVersion, product: Specification, values: Mapping[str, Any]
) -> tuple[NodeShape, ...]:
    """The realization tree for these product values: depth-first, in catalog order."""
    nodes: list[NodeShape] = []
    identity = tuple((c.name, c.name) for c in product.characteristics)
    stack: list[
        tuple[
            Specification, tuple[tuple[str, str], ...], dict[str, Any], tuple[int, ...], int | None
        ]
    ] = [(product, identity, {}, (), None)]
    while stack:
        spec, mapping, constants, scope, parent = stack.pop()
        domain = catalog.index.domains[spec.id]
        category = spec.category.value if isinstance(spec, ServiceSpecification) else None
        order_fields = {
            "id": None,
            "domain": domain,
            "spec_id": spec.id,
            "category": category,
            "offering_id": None,
            "item_id": None,
            "root_item_id": None,
            "product_key": None,
            "parent_id": None,
            "action": None,
            "product_id": None,
            "characteristics": None,
        }
        node = NodeShape(
            prefix=f"{domain.value}-{spec.id}-",
            suffix="".join(f".{i}" for i in scope),
            spec=spec,
            spec_id=spec.id,
            domain=domain,
            parent=parent,
            scope=scope,
            mapping=mapping,
            constants=tuple(constants.items()),
            category=category,
            order_fields=vars(_DomainOrderFields(order_fields)),
        )
        index = len(nodes)
        nodes.append(node)
        own = node.values(values)
        to_product = dict(mapping)
        children = []
        for rel in spec.relationships:
            if rel.condition and not catalog.condition(rel.condition).holds(own):
                continue
            target = catalog.spec(rel.target)
            assert target is not None  # the catalog checker guarantees it
            child_mapping = tuple(
                (t, to_product[s]) for t, s in rel.attribute_mapping.items() if s in to_product
            )
            child_constants = {
                t: constants[s] for t, s in rel.attribute_mapping.items() if s in constants
            }
            if rel.repeat_per is None:
                children.append((target, child_mapping, child_constants, scope, index))
                continue
            for i in range(1, int(own.get(rel.repeat_per) or 0) + 1):
                repeated = {**child_constants, rel.index_as: i} if rel.index_as else child_constants
                children.append((target, child_mapping, repeated, (*scope, i), index))
        stack.extend(reversed(children))
    return tuple(nodes)


def _task_fields(catalog: CatalogVersion, template: TaskTemplate) -> dict[str, Any]:
    retry = template.retry or catalog.defaults.retry
    compensation = template.compensation
    fields = {
        "id": None,
        "domain_order_id": None,
        "item_id": None,
        "root_item_id": None,
        "product_key": None,
        "depends_on": None,
        "params": None,
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
    return vars(_TaskFields(fields))


def _own_values(fields: dict[str, Any]) -> dict[str, Any]:
    own = fields.copy()  # still a dict of shared keys
    own["characteristics"] = list(fields["characteristics"])
    schema = fields["result_schema"]
    own["result_schema"] = copy.deepcopy(schema) if schema is not None else None
    retry: RetrySpec = fields["retry"]  # frozen, but its list is not
    own["retry"] = RetrySpec.trusted(
        {**vars(retry), "non_retryable_errors": list(retry.non_retryable_errors)}
    )
    return own


def _scoped(candidates: tuple[int, ...], nodes: tuple[NodeShape, ...], node: int) -> list[int]:
    """Of several instances of a spec, those in the same repeated branch (e.g. the same site)."""
    if len(candidates) <= 1:
        return list(candidates)
    scope = nodes[node].scope
    matching = []
    for candidate in candidates:
        other = nodes[candidate].scope
        common = min(len(other), len(scope))
        if other[:common] == scope[:common]:
            matching.append(candidate)
    return matching


def build_fragment(
    catalog: CatalogVersion,
    nodes: tuple[NodeShape, ...],
    action: Action,
    changed: frozenset[str] | None,
    values: Mapping[str, Any] | None = None,
) -> Fragment:
    """The tasks of a tree for an action. `changed` (modify only): the product characteristics
    that changed; a task tied to characteristics runs only if one of them changed. A task with
    a `when` condition is planned only when it holds on its node's `values`."""
    by_spec: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        by_spec.setdefault(node.spec.id, []).append(i)
    spec_index = {k: tuple(v) for k, v in by_spec.items()}

    selected: list[tuple[int, TaskTemplate]] = []
    for i, node in enumerate(nodes):
        node_changed = None
        if changed is not None:
            node_changed = {own for own, src in node.mapping if src in changed}
        for template in node.spec.tasks.get(action, ()):
            if node_changed is not None and template.characteristics:
                if not node_changed.intersection(template.characteristics):
                    continue
            if template.when and not catalog.condition(template.when).holds(
                node.values(values or {})
            ):
                continue
            selected.append((i, template))
    planned = {(i, t.key) for i, t in selected}

    def resolve(node: int, refs: list[str], cross: list[tuple[str, str]]) -> list[tuple[int, str]]:
        # A reference to a spec the conditions left out is dropped; one to a task not planned
        # (a modify skips it) is replaced by that task's own dependencies, to keep the order.
        found: list[tuple[int, str]] = []
        for ref in refs:
            parts = ref.split(":")
            if parts[0] == "reliesOn":
                cross.append((parts[1], parts[2]))
                continue
            if len(parts) == 1:
                targets = [(node, parts[0])]
            else:
                targets = [
                    (c, parts[1]) for c in _scoped(spec_index.get(parts[0], ()), nodes, node)
                ]
            for target in targets:
                if target in planned:
                    if target not in found:
                        found.append(target)
                    continue
                skipped = next(
                    (t for t in nodes[target[0]].spec.tasks.get(action, ()) if t.key == target[1]),
                    None,
                )
                if skipped is not None:
                    for dep in resolve(target[0], skipped.depends_on, cross):
                        if dep not in found:
                            found.append(dep)
        return found

    tasks: list[TaskShape] = []
    assetization: tuple[int, TaskTemplate] | None = None
    for i, template in selected:
        if template.assetization:
            assetization = (i, template)
            continue
        tasks.append(_shape(catalog, nodes, i, template, resolve))
    if assetization is not None:
        i, template = assetization
        shape = _shape(catalog, nodes, i, template, resolve)
        # The last task of a product: after every task nothing else in the product waits for
        # (so after all of them).
        awaited = {dep for t in tasks for dep in t.deps}
        sinks = [(t.node, t.template.key) for t in tasks if (t.node, t.template.key) not in awaited]
        deps = shape.deps + tuple(s for s in sinks if s not in shape.deps)
        # Inventory keeps no personal data: only the assetizable characteristics, in spec order
        # (that of the product's values: assetization is a task of the product spec itself).
        product = nodes[0].spec
        keep = tuple(c.name for c in product.characteristics if c.assetizable)
        tasks.append(replace(shape, deps=deps, inputs=keep))
    position = {(t.node, t.key): i for i, t in enumerate(tasks)}
    tasks = [
        replace(
            t,
            after=tuple(position[d] for d in t.deps),
            waited_task=position[t.waited] if t.waited is not None else None,
        )
        for t in tasks
    ]
    with_tasks = {t.node for t in tasks}
    emitted = tuple(
        i
        for i, node in enumerate(nodes)
        if changed is None or node.domain == Domain.PRODUCT or i in with_tasks
    )
    return Fragment(
        nodes=nodes,
        tasks=tuple(tasks),
        emitted=emitted,
        by_spec=spec_index,
        crossing=tuple((i, *ref) for i, t in enumerate(tasks) for ref in t.cross),
        assetization=len(tasks) - 1 if assetization is not None else None,
    )


def _shape(
    catalog: CatalogVersion,
    nodes: tuple[NodeShape, ...],
    node: int,
    template: TaskTemplate,
    resolve: Any,
) -> TaskShape:
    cross: list[tuple[str, str]] = []
    deps: list[tuple[int, str]] = resolve(node, template.depends_on, cross)
    waited = None
    if template.wait_for_task:
        found = resolve(node, [template.wait_for_task], cross)
        waited = found[0] if found else None
        deps.extend(d for d in found if d not in deps)
    inputs = tuple(template.inputs) if template.inputs is not None else None
    if inputs is None and template.kind not in (TaskKind.AUTOMATED, TaskKind.MANUAL):
        inputs = ()  # milestones and waits act on nothing: no characteristic values
    return TaskShape(
        node=node,
        template=template,
        fields=_task_fields(catalog, template),
        deps=tuple(deps),
        waited=waited,
        cross=tuple(cross),
        inputs=inputs,
        key=template.key,
        constant_params=dict(template.params),
        waits_for_start=template.wait_for == WaitSource.REQUESTED_START_DATE,
        id_head=nodes[node].prefix,
        id_tail=f"{nodes[node].suffix}:{template.key}",
    )
