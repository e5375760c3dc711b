"""The checks of a catalog version, run when it is built (CatalogVersion's validator): every
reference resolves, relationships respect the layers (product realized as CFS, CFS requires RFS,
RFS uses resources), task graphs are acyclic, conditions parse, tasks call known southbound
operations. Every inconsistency is collected, so a broken catalog file is reported in full.
"""

from __future__ import annotations

import re

from decomposition.catalog import (
    SOUTHBOUND_OPERATIONS,
    Action,
    CatalogVersion,
    CharacteristicSpec,
    PriceType,
    ProductOffering,
    ProductSpecification,
    RelationshipType,
    ResourceSpecification,
    ServiceCategory,
    ServiceSpecification,
    Specification,
    SpecRelationship,
    TaskKind,
    TaskTemplate,
    ValueType,
    WaitSource,
)
from decomposition.conditions import ConditionError, parse_condition
from decomposition.graph import find_cycle
from decomposition.rules import check_rules

_LAYER: dict[RelationshipType, tuple[type[Specification], type[Specification]]] = {
    RelationshipType.REALIZED_AS: (ProductSpecification, ServiceSpecification),
    RelationshipType.REQUIRES: (ServiceSpecification, ServiceSpecification),
    RelationshipType.USES: (ServiceSpecification, ResourceSpecification),
}


class CatalogChecker:
    """Collects every inconsistency of a catalog version, so a broken file is reported in full."""

    def __init__(self, catalog: CatalogVersion) -> None:
        self.catalog = catalog
        self.errors: list[str] = []
        self.specs: dict[str, Specification] = {}
        self.secrets: dict[str, CharacteristicSpec] = {}
        self.offerings = {o.id: o for o in catalog.offerings}

    def error(self, message: str) -> None:
        self.errors.append(message)

    def check(self) -> list[str]:
        all_specs: list[Specification] = [
            *self.catalog.product_specifications,
            *self.catalog.service_specifications,
            *self.catalog.resource_specifications,
        ]
        for spec in all_specs:
            if spec.id in self.specs:
                self.error(f"id '{spec.id}' is defined twice")
            self.specs[spec.id] = spec
        if len(self.offerings) != len(self.catalog.offerings):
            self.error("two offerings have the same id")
        self._check_categories()
        for offering in self.catalog.offerings:
            self._check_offering(offering)
        for spec in all_specs:
            self._check_spec(spec)
        for product in self.catalog.product_specifications:
            self._check_product_tree(product)
        names = {c.name for s in self.catalog.product_specifications for c in s.characteristics}
        secrets = frozenset(
            c.name
            for s in self.catalog.product_specifications
            for c in s.characteristics
            if c.secret
        )
        self.errors.extend(check_rules(self.catalog.rules, names, secrets))
        return self.errors

    def _check_condition(self, text: str | None, names: set[str], where: str) -> None:
        if text is None:
            return
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            self.error(f"{where}: {exc}")
            return
        unknown = sorted(condition.names - names)
        if unknown:
            self.error(f"{where}: condition {text!r} reads unknown characteristics {unknown}")

    def _check_categories(self) -> None:
        categories = {c.id: c for c in self.catalog.categories}
        if len(categories) != len(self.catalog.categories):
            self.error("two categories have the same id")
        for category in self.catalog.categories:
            if category.parent is not None and category.parent not in categories:
                self.error(f"category '{category.id}': parent '{category.parent}' is not defined")
        graph = {c.id: [c.parent] if c.parent else [] for c in self.catalog.categories}
        if find_cycle(graph):
            self.error("categories are each other's parents in a cycle")
        for offering in self.catalog.offerings:
            for category_id in offering.category:
                if category_id not in categories:
                    self.error(f"offering '{offering.id}': category '{category_id}' is not defined")

    def _check_offering(self, offering: ProductOffering) -> None:
        where = f"offering '{offering.id}'"
        spec_id = offering.product_specification
        spec = self.specs.get(spec_id) if spec_id else None
        if spec_id and not isinstance(spec, ProductSpecification):
            self.error(f"{where}: product specification '{spec_id}' is not defined")
        if not spec_id and not offering.is_bundle:
            self.error(f"{where}: a simple offering must name its product specification")
        names = {c.name for c in spec.characteristics} if spec else set()
        for price in offering.prices:
            if price.price_type == PriceType.RECURRING and not price.recurring_period:
                self.error(f"{where}: recurring price '{price.id}' needs a recurringPeriod")
            self._check_condition(price.condition, names, f"{where} price '{price.id}'")
            if price.per_unit_of is not None and price.per_unit_of not in names:
                self.error(f"{where} price '{price.id}': unknown perUnitOf '{price.per_unit_of}'")
        for name, allowed in offering.char_value_use.items():
            char = spec.characteristic(name) if spec else None
            if char is None:
                self.error(f"{where}: charValueUse names unknown characteristic '{name}'")
            elif not allowed or (
                char.allowed_values and any(v not in char.allowed_values for v in allowed)
            ):
                self.error(f"{where}: charValueUse of '{name}' must be allowed values of the spec")
        keys = [b.key for b in offering.bundled]
        if len(set(keys)) != len(keys):
            self.error(f"{where}: bundled keys are not unique")
        for child in offering.bundled:
            target = self.offerings.get(child.offering)
            if target is None:
                self.error(f"{where}: bundled offering '{child.offering}' is not defined")
            elif offering.orderable and not target.orderable:
                self.error(
                    f"{where}: bundled offering '{child.offering}' is "
                    f"{target.lifecycle_status.value}, not launched"
                )
            elif target.is_bundle:
                self.error(f"{where}: bundles cannot nest (child '{child.offering}' is a bundle)")
            for key in child.relies_on:
                if key not in keys or key == child.key:
                    self.error(f"{where}: child '{child.key}' relies on unknown child '{key}'")
        graph = {b.key: [k for k in b.relies_on if k in keys] for b in offering.bundled}
        if find_cycle(graph):
            self.error(f"{where}: bundled children rely on each other in a cycle")

    def _check_spec(self, spec: Specification) -> None:
        where = f"spec '{spec.id}'"
        names = {c.name for c in spec.characteristics}
        if len(names) != len(spec.characteristics):
            self.error(f"{where}: characteristic names are not unique")
        for char in spec.characteristics:
            self._check_condition(char.required_when, names, f"{where} '{char.name}'")
            if char.pattern is not None:
                try:
                    re.compile(char.pattern)
                except re.error as exc:
                    self.error(f"{where} '{char.name}': bad pattern: {exc}")
            if char.secret and (char.assetizable or char.value_type != ValueType.STRING):
                self.error(f"{where} '{char.name}': a secret is a string and not assetizable")
            if char.secret and self.secrets.setdefault(char.name, char) != char:
                # Sealing (secrets.py) checks a secret value by its name alone.
                self.error(f"{where} '{char.name}': another spec has another secret of this name")
        if isinstance(spec, ProductSpecification):
            for other in spec.relies_on_specs:
                if not isinstance(self.specs.get(other), ProductSpecification):
                    self.error(f"{where}: reliesOnSpecs names unknown product spec '{other}'")
        for rel in spec.relationships:
            self._check_relationship(spec, rel, names)
        for action, templates in spec.tasks.items():
            keys = [t.key for t in templates]
            if len(set(keys)) != len(keys):
                self.error(f"{where} {action.value}: task keys are not unique")
            for template in templates:
                self._check_task(spec, action, template, names)

    def _check_relationship(
        self, spec: Specification, rel: SpecRelationship, names: set[str]
    ) -> None:
        where = f"spec '{spec.id}' {rel.type.value} '{rel.target}'"
        target = self.specs.get(rel.target)
        source_type, target_type = _LAYER[rel.type]
        if target is None:
            self.error(f"{where}: target is not defined")
            return
        if not isinstance(spec, source_type) or not isinstance(target, target_type):
            self.error(f"{where}: a {rel.type.value} relationship links the wrong layers")
        if rel.type == RelationshipType.REALIZED_AS and (
            not isinstance(target, ServiceSpecification) or target.category != ServiceCategory.CFS
        ):
            self.error(f"{where}: a product is realized as a CFS")
        if rel.type == RelationshipType.REQUIRES and not (
            isinstance(spec, ServiceSpecification)
            and spec.category == ServiceCategory.CFS
            and isinstance(target, ServiceSpecification)
            and target.category == ServiceCategory.RFS
        ):
            self.error(f"{where}: a CFS requires an RFS")
        if rel.type == RelationshipType.USES and not (
            isinstance(spec, ServiceSpecification) and spec.category == ServiceCategory.RFS
        ):
            self.error(f"{where}: an RFS uses a resource")
        self._check_condition(rel.condition, names, where)
        target_names = {c.name for c in target.characteristics}
        for to_name, from_name in rel.attribute_mapping.items():
            if from_name not in names:
                self.error(f"{where}: mapping reads unknown characteristic '{from_name}'")
            if to_name not in target_names:
                self.error(f"{where}: mapping writes unknown characteristic '{to_name}'")
        if rel.repeat_per is not None:
            char = spec.characteristic(rel.repeat_per)
            if char is None or char.value_type != ValueType.INTEGER:
                self.error(
                    f"{where}: repeatPer '{rel.repeat_per}' is not an integer characteristic"
                )
        if rel.index_as is not None and rel.index_as not in target_names:
            self.error(f"{where}: indexAs '{rel.index_as}' is not a characteristic of the target")

    def _check_task(
        self, spec: Specification, action: Action, task: TaskTemplate, names: set[str]
    ) -> None:
        where = f"spec '{spec.id}' {action.value} task '{task.key}'"
        if task.kind == TaskKind.AUTOMATED:
            self._check_operation(where, task.system, task.operation)
        elif task.kind == TaskKind.MANUAL and not (task.queue and task.skill):
            self.error(f"{where}: a manual task needs a queue and a skill")
        elif task.kind == TaskKind.MILESTONE and not task.milestone:
            self.error(f"{where}: a milestone task needs a milestone name")
        elif task.kind == TaskKind.WAIT_UNTIL:
            if task.wait_for is None:
                self.error(f"{where}: a waitUntil task needs waitFor")
            if task.wait_for == WaitSource.APPOINTMENT and not task.wait_for_task:
                self.error(f"{where}: waiting for an appointment needs waitForTask")
        if task.compensation is not None:
            self._check_operation(
                f"{where} compensation", task.compensation.system, task.compensation.operation
            )
        if task.assetization and not isinstance(spec, ProductSpecification):
            self.error(f"{where}: only a product specification assetizes")
        for name in [*task.characteristics, *(task.inputs or [])]:
            if name not in names:
                self.error(f"{where}: unknown characteristic '{name}'")
        self._check_condition(task.when, names, where)

    def _check_operation(self, where: str, system: str | None, operation: str | None) -> None:
        if system not in SOUTHBOUND_OPERATIONS:
            self.error(f"{where}: unknown system '{system}'")
        elif operation not in SOUTHBOUND_OPERATIONS[system]:
            self.error(f"{where}: system '{system}' has no operation '{operation}'")

    def _check_product_tree(self, product: ProductSpecification) -> None:
        """Per action: the specs a product may reach, references between their tasks, no cycle."""
        reachable: list[Specification] = []
        stack: list[Specification] = [product]
        while stack:
            spec = stack.pop()
            if any(s.id == spec.id for s in reachable):
                self.error(f"product spec '{product.id}': spec '{spec.id}' is reached twice")
                continue
            reachable.append(spec)
            stack.extend(
                self.specs[r.target] for r in reversed(spec.relationships) if r.target in self.specs
            )
        by_id = {s.id: s for s in reachable}
        for action, templates in product.tasks.items():
            where = f"product spec '{product.id}' {action.value}"
            if sum(1 for t in templates if t.assetization) != 1:
                self.error(f"{where}: needs exactly one assetization task")
            graph: dict[str, list[str]] = {}
            for spec in reachable:
                for task in spec.tasks.get(action, []):
                    node = f"{spec.id}:{task.key}"
                    graph[node] = []
                    refs = [*task.depends_on, *([task.wait_for_task] if task.wait_for_task else [])]
                    for ref in refs:
                        target = self._resolve_ref(spec, action, ref, by_id)
                        if target is None:
                            self.error(f"{where}: task '{node}' has unknown dependency '{ref}'")
                        elif target:
                            graph[node].append(target)
            cycle = find_cycle(graph)
            if cycle:
                self.error(f"{where}: tasks depend on each other in a cycle: {' -> '.join(cycle)}")
        for spec in reachable[1:]:
            extra = set(spec.tasks) - set(product.tasks)
            if extra:
                self.error(
                    f"spec '{spec.id}' has tasks for {sorted(a.value for a in extra)}, "
                    f"which product spec '{product.id}' does not support"
                )

    def _resolve_ref(
        self, spec: Specification, action: Action, ref: str, reachable: dict[str, Specification]
    ) -> str | None:
        """The graph node a reference names; "" for a cross-product one (checked per order)."""
        parts = ref.split(":")
        if parts[0] == "reliesOn" and len(parts) == 3:
            target = self.specs.get(parts[1])
            ok = target is not None and any(t.key == parts[2] for t in target.tasks.get(action, []))
            return "" if ok else None
        if len(parts) == 1:
            target_spec: Specification | None = spec
            key = parts[0]
        elif len(parts) == 2:
            target_spec = reachable.get(parts[0])
            key = parts[1]
            if target_spec is spec:
                return None
        else:
            return None
        if target_spec is None or not any(t.key == key for t in target_spec.tasks.get(action, [])):
            return None
        return f"{target_spec.id}:{key}"
