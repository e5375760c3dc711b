"""From order items to product instances: catalog validation, bundle expansion, quantity.

A product instance is one product the order creates or changes: an item of quantity 3 gives three,
a bundle gives its root and one per bundled child. Each is keyed by a readable, stable
`product_key`: the item id, then "#n" when the quantity is above 1, then "/child" in a bundle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from decomposition.catalog import (
    Action,
    BundledOffering,
    CatalogVersion,
    Channel,
    CharacteristicSpec,
    ProductOffering,
    ProductSpecification,
)
from decomposition.characteristics import CharacteristicError, normalize_value
from decomposition.problems import Problem
from tmf.product_inventory import Product, ProductStatus
from tmf.product_order import ItemAction, ProductOrderCreate, ProductOrderItem, RelationshipType

# Which inventory states each action on an existing product accepts.
_ALLOWED_STATES: dict[Action, frozenset[ProductStatus]] = {
    Action.MODIFY: frozenset({ProductStatus.ACTIVE, ProductStatus.SUSPENDED}),
    Action.DELETE: frozenset({ProductStatus.ACTIVE, ProductStatus.SUSPENDED}),
    Action.SUSPEND: frozenset({ProductStatus.ACTIVE}),
    Action.RESUME: frozenset({ProductStatus.SUSPENDED}),
}


@dataclass
class ProductInstance:
    key: str
    item_id: str
    root_item_id: str
    offering: ProductOffering
    spec: ProductSpecification
    action: Action
    values: dict[str, Any]
    old_values: dict[str, Any] | None = None  # inventory values, for modify
    product_id: str | None = None  # the existing product acted on
    relies_on: list[str] = field(default_factory=list)  # product keys
    bundle_children: list[str] = field(default_factory=list)  # product keys, for a bundle root
    bundle_root: str | None = None  # product key of the bundle root, for a bundled child
    missing: list[str] = field(default_factory=list)  # requiredForDecomposition, not given


@dataclass
class ResolvedOrder:
    instances: list[ProductInstance]
    problems: list[Problem]


# Raw characteristic values whose normalized value is memoized: immutable, and equal values
# (of one type) normalize alike, unlike floats (0.0 and -0.0).
_MEMOIZED_TYPES = (str, int, bool)
_MISSING = object()

# An offering's bundled children (None: not in the catalog) and the characteristic names its
# items may set.
_OfferingParts = tuple[list[tuple[BundledOffering, ProductOffering | None]], frozenset[str]]


def _problem(code: str, reason: str, item: ProductOrderItem) -> Problem:
    return Problem(code=code, reason=reason, item_id=item.id)


class _Resolver:
    def __init__(
        self, order: ProductOrderCreate, catalog: CatalogVersion, inventory: Sequence[Product]
    ) -> None:
        self.order = order
        self.catalog = catalog
        self.inventory = {p.id: p for p in inventory}
        self.problems: list[Problem] = []
        self.instances: list[ProductInstance] = []
        self.keys_by_item: dict[str, list[str]] = {}
        self.channel: Channel | None = None
        self.checked: set[tuple[str, str]] = set()  # (item id, spec id) whose values were checked
        self.offering_parts: dict[str, _OfferingParts] = {}
        self.spec_characteristics: dict[tuple[str, bool], list[tuple[str, CharacteristicSpec]]] = {}
        self.normalized: dict[tuple[int, type, Any], Any] = {}

    def resolve(self) -> ResolvedOrder:
        name = self.order.channel_name()
        if name is not None:
            try:
                self.channel = Channel(name.lower())
            except ValueError:
                allowed = ", ".join(c.value for c in Channel)
                self.problems.append(
                    Problem(
                        code="UnknownChannel",
                        reason=f"channel '{name}' is not one of {allowed}",
                    )
                )
        for item in self.order.product_order_item:
            action = item.action
            if action == ItemAction.NO_CHANGE:
                continue
            if action == ItemAction.ADD:
                self._resolve_add(item)
            else:
                self._resolve_existing(item, Action(action.value))
        self._link_items()
        self._check_relied_on_specs()
        return ResolvedOrder(self.instances, self.problems)

    # -- values ------------------------------------------------------------------------------

    def _values(
        self,
        item: ProductOrderItem,
        given: Mapping[str, Any],
        spec: ProductSpecification,
        offering: ProductOffering,
        *,
        with_defaults: bool,
    ) -> dict[str, Any]:
        """Normalized values in spec order; problems for ill-typed or invalid ones."""
        values: dict[str, Any] = {}
        value_use = offering.char_value_use
        for name, char in self._characteristics(spec):
            offered = value_use.get(name)
            raw = given.get(name)
            if raw is not None:
                try:
                    value = self._normalize(char, raw)
                except CharacteristicError as exc:
                    self.problems.append(
                        _problem(exc.code, f"item '{item.id}': {exc.reason}", item)
                    )
                    continue
                if offered is not None and value not in offered:
                    allowed = ", ".join(repr(v) for v in offered)
                    self.problems.append(
                        _problem(
                            "InvalidCharacteristicValue",
                            f"item '{item.id}': characteristic '{name}' value {value!r} is "
                            f"not offered by '{offering.name}' (one of {allowed})",
                            item,
                        )
                    )
                    continue
                values[name] = value
            elif with_defaults:
                if offered is not None:
                    values[name] = char.default if char.default in offered else offered[0]
                elif char.default is not None:
                    values[name] = char.default
        return values

    def _characteristics(
        self, spec: ProductSpecification, *, requirable: bool = False
    ) -> list[tuple[str, CharacteristicSpec]]:
        """A spec's characteristics by name, or only those that may be required (cached: each
        item reads them, and reading attributes of pydantic models is slow)."""
        chars = self.spec_characteristics.get((spec.id, requirable))
        if chars is None:
            chars = [
                (c.name, c)
                for c in spec.characteristics
                if not requirable
                or c.required
                or c.required_when is not None
                or c.required_for_decomposition
            ]
            self.spec_characteristics[(spec.id, requirable)] = chars
        return chars

    def _normalize(self, char: CharacteristicSpec, raw: Any) -> Any:
        """`normalize_value`, memoized per order: items repeat values (speeds, SIM types...)."""
        if type(raw) not in _MEMOIZED_TYPES:
            return normalize_value(char, raw)
        key = (id(char), type(raw), raw)  # by type too: True == 1, but not as a value
        value = self.normalized.get(key, _MISSING)
        if value is _MISSING:
            value = self.normalized[key] = normalize_value(char, raw)
        return value

    def _check_required(
        self, item: ProductOrderItem, spec: ProductSpecification, values: Mapping[str, Any]
    ) -> list[str]:
        """Problems for missing required values; returns the missing requiredForDecomposition."""
        deferred: list[str] = []
        for name, char in self._characteristics(spec, requirable=True):
            if name in values:
                continue
            required = char.required or (
                char.required_when is not None
                and self.catalog.condition(char.required_when).holds(values)
            )
            if required:
                self.problems.append(
                    _problem(
                        "MissingCharacteristic",
                        f"item '{item.id}': characteristic '{name}' is required by '{spec.name}'",
                        item,
                    )
                )
            elif char.required_for_decomposition:
                deferred.append(name)
        return deferred

    def _check_unknown(
        self, item: ProductOrderItem, given: Mapping[str, Any], known: frozenset[str]
    ) -> None:
        for name in given:
            if name not in known:
                self.problems.append(
                    _problem(
                        "UnknownCharacteristic",
                        f"item '{item.id}': characteristic '{name}' is not defined by the offering",
                        item,
                    )
                )

    # -- add ---------------------------------------------------------------------------------

    def _offering_parts(self, offering: ProductOffering) -> _OfferingParts:
        """The bundled children of an offering and the characteristics its items may set."""
        parts = self.offering_parts.get(offering.id)
        if parts is None:
            children = [(b, self.catalog.offering(b.offering)) for b in offering.bundled]
            specs = [
                self.catalog.product_spec(o.product_specification or "") for _, o in children if o
            ]
            if offering.product_specification:
                specs.insert(0, self.catalog.product_spec(offering.product_specification))
            known = frozenset(c.name for s in specs if s is not None for c in s.characteristics)
            parts = self.offering_parts[offering.id] = (children, known)
        return parts

    def _resolve_add(self, item: ProductOrderItem) -> None:
        ref = item.product_offering
        if ref is None:
            self.problems.append(
                _problem(
                    "MissingOffering",
                    f"item '{item.id}' adds a product but names no productOffering",
                    item,
                )
            )
            return
        offering = self.catalog.offering(ref.id)
        if offering is None:
            self.problems.append(
                _problem(
                    "UnknownOffering",
                    f"item '{item.id}': product offering '{ref.id}' is not in catalog "
                    f"version {self.catalog.version}",
                    item,
                )
            )
            return
        if not offering.sellable:
            self.problems.append(
                _problem(
                    "OfferingNotSellable",
                    f"item '{item.id}': '{offering.name}' is only sold inside a bundle",
                    item,
                )
            )
            return
        if self.channel is not None and self.channel not in offering.channels:
            self.problems.append(
                _problem(
                    "OfferingNotInChannel",
                    f"item '{item.id}': '{offering.name}' is not sold through the "
                    f"'{self.channel.value}' channel",
                    item,
                )
            )
        given = item.product.characteristic_values() if item.product else {}
        children, known = self._offering_parts(offering)
        self._check_unknown(item, given, known)
        keys: list[str] = []
        item_id, quantity = item.id, item.quantity
        has_root = bool(offering.product_specification)
        for n in range(1, quantity + 1):
            base = item_id if quantity == 1 else f"{item_id}#{n}"
            child_keys = [f"{base}/{b.key}" for b, child in children if child is not None]
            if has_root:
                root = self._new_instance(item, base, offering, given)
                root.bundle_children = child_keys
                keys.append(base)
            for bundled, child in children:
                if child is not None:
                    instance = self._new_instance(item, f"{base}/{bundled.key}", child, given)
                    instance.relies_on = [f"{base}/{k}" for k in bundled.relies_on]
                    instance.bundle_root = base if has_root else None
            keys.extend(child_keys)
        self.keys_by_item[item_id] = keys

    def _new_instance(
        self, item: ProductOrderItem, key: str, offering: ProductOffering, given: Mapping[str, Any]
    ) -> ProductInstance:
        spec = self.catalog.product_spec(offering.product_specification or "")
        assert spec is not None  # the catalog checker guarantees it
        # Problems are the same for every quantity instance: report them once.
        known = len(self.problems)
        values = self._values(item, given, spec, offering, with_defaults=True)
        missing = self._check_required(item, spec, values)
        item_id = item.id
        checked = (item_id, spec.id)
        if checked in self.checked:
            del self.problems[known:]
        self.checked.add(checked)
        instance = ProductInstance(
            key=key,
            item_id=item_id,
            root_item_id=item_id,
            offering=offering,
            spec=spec,
            action=Action.ADD,
            values=values,
            missing=missing,
        )
        self.instances.append(instance)
        return instance

    # -- modify, delete, suspend, resume -----------------------------------------------------

    def _resolve_existing(self, item: ProductOrderItem, action: Action) -> None:
        product_id = item.product.id if item.product else None
        if not product_id:
            return  # validate_structure reports MissingProductId
        product = self.inventory.get(product_id)
        customer = self.order.customer_id()
        if product is None or (
            customer is not None and product.customer_id() not in (None, customer)
        ):
            self.problems.append(
                _problem(
                    "ProductNotOwned",
                    f"item '{item.id}': product '{product_id}' is not owned by the customer, so "
                    f"it cannot be {action.value}{'d' if action.value.endswith('e') else 'ed'}",
                    item,
                )
            )
            return
        if product.status not in _ALLOWED_STATES[action]:
            self.problems.append(
                _problem(
                    "InvalidProductState",
                    f"item '{item.id}': product '{product_id}' is {product.status.value}, "
                    f"so it cannot be {action.value}{'d' if action.value.endswith('e') else 'ed'}",
                    item,
                )
            )
            return
        offering_id = product.product_offering.id if product.product_offering else None
        if item.product_offering is not None and item.product_offering.id != offering_id:
            self.problems.append(
                _problem(
                    "OfferingMismatch",
                    f"item '{item.id}': product '{product_id}' was sold as offering "
                    f"'{offering_id}', not '{item.product_offering.id}'",
                    item,
                )
            )
            return
        offering = self.catalog.offering(offering_id or "")
        if offering is None:
            self.problems.append(
                _problem(
                    "UnknownOffering",
                    f"item '{item.id}': product '{product_id}' has offering '{offering_id}', "
                    f"which is not in catalog version {self.catalog.version}",
                    item,
                )
            )
            return
        if offering.is_bundle:
            self.problems.append(
                _problem(
                    "UnsupportedAction",
                    f"item '{item.id}': a bundle cannot be {action.value}ed as a whole; "
                    "order the change on its component products",
                    item,
                )
            )
            return
        spec = self.catalog.product_spec(offering.product_specification or "")
        assert spec is not None
        if action not in spec.tasks:
            self.problems.append(
                _problem(
                    "UnsupportedAction",
                    f"item '{item.id}': '{offering.name}' does not support {action.value}",
                    item,
                )
            )
            return
        given = item.product.characteristic_values() if item.product else {}
        self._check_unknown(item, given, frozenset(c.name for c in spec.characteristics))
        # Inventory values were valid when stored; the catalog may since have changed, so keep
        # only those still valid instead of rejecting the customer's order for them.
        old: dict[str, Any] = {}
        for char in spec.characteristics:
            stored = product.characteristic_values().get(char.name)
            if stored is not None:
                try:
                    old[char.name] = normalize_value(char, stored)
                except CharacteristicError:
                    pass
        changes = self._values(item, given, spec, offering, with_defaults=False)
        for char in spec.characteristics:
            if (
                not char.modifiable
                and char.name in changes
                and changes[char.name] != old.get(char.name)
            ):
                self.problems.append(
                    _problem(
                        "CharacteristicNotModifiable",
                        f"item '{item.id}': characteristic '{char.name}' cannot be changed on an "
                        "existing product; order a delete and an add instead",
                        item,
                    )
                )
        new = {**old, **changes}
        values = {c.name: new[c.name] for c in spec.characteristics if c.name in new}
        self.instances.append(
            ProductInstance(
                key=item.id,
                item_id=item.id,
                root_item_id=item.id,
                offering=offering,
                spec=spec,
                action=action,
                values=values,
                old_values=old,
                product_id=product_id,
            )
        )
        self.keys_by_item[item.id] = [item.id]

    # -- relationships -----------------------------------------------------------------------

    def _link_items(self) -> None:
        by_key = {i.key: i for i in self.instances}
        for item in self.order.product_order_item:
            related = [
                rel.id
                for rel in item.product_order_item_relationship
                if rel.relationship_type == RelationshipType.RELIES_ON
            ]
            targets = [k for rel in related for k in self.keys_by_item.get(rel, [])]
            for key in self.keys_by_item.get(item.id, []):
                by_key[key].relies_on.extend(t for t in targets if t not in by_key[key].relies_on)

    def _check_relied_on_specs(self) -> None:
        """An add-on needs one of the products it relies on, ordered alongside or owned."""
        by_key = {i.key: i for i in self.instances}
        owned = {
            p.product_specification.id
            for p in self.inventory.values()
            if p.product_specification is not None
            and p.status in {ProductStatus.ACTIVE, ProductStatus.SUSPENDED}
        }
        items = {i.id: i for i in self.order.product_order_item}
        reported: set[str] = set()
        for instance in self.instances:
            needed = set(instance.spec.relies_on_specs)
            if not needed or instance.action != Action.ADD or instance.item_id in reported:
                continue
            related = {by_key[k].spec.id for k in instance.relies_on if k in by_key}
            if needed & (related | owned):
                continue
            reported.add(instance.item_id)
            names = ", ".join(sorted(needed))
            self.problems.append(
                _problem(
                    "MissingReliedOnProduct",
                    f"item '{instance.item_id}': '{instance.offering.name}' relies on a product "
                    f"of {names}; add a reliesOn relationship to such an item or own one",
                    items[instance.item_id],
                )
            )


def resolve_order(
    order: ProductOrderCreate, catalog: CatalogVersion, inventory: Sequence[Product]
) -> ResolvedOrder:
    return _Resolver(order, catalog, inventory).resolve()
