"""From order items to product instances: catalog validation, bundle expansion, quantity.

A product instance is one product the order creates or changes: an item of quantity 3 gives three,
a bundle gives its root and one per bundled child. Each is keyed by a readable, stable
`product_key`: the item id, then "#n" when the quantity is above 1, then "/child" in a bundle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from decomposition.bundle_items import bundle_parents, children_by_bundle
from decomposition.catalog import (
    Action,
    CatalogIndex,
    CatalogVersion,
    Channel,
    LifecycleStatus,
    ProductOffering,
    ProductSpecification,
)
from decomposition.characteristics import CharacteristicError, ValueRule, normalize_value
from decomposition.conditions import Condition
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


# Raw characteristic values whose normalized value is memoized: immutable, and equal values
# (of one type) normalize alike, unlike floats (0.0 and -0.0).
_MEMOIZED_TYPES = frozenset({str, int, bool})
_MISSING: Any = object()

# Read for every item: reading an attribute of an enum class is slow.
_ADD = Action.ADD
_ITEM_ADD = ItemAction.ADD
_ITEM_NO_CHANGE = ItemAction.NO_CHANGE
_RELIES_ON = RelationshipType.RELIES_ON

# A characteristic of an offering's spec: its name, the rule its values follow, the values the
# offering allows (charValueUse; None: any), and the value an added product gets when the item
# gives none (_MISSING: no value).
_CharUse = tuple[str, ValueRule, list[Any] | None, Any]
# A characteristic that may be required: name, required, requiredWhen, requiredForDecomposition.
_Requirable = tuple[str, bool, Condition | None, bool]


@dataclass(frozen=True, slots=True)
class _Offering:
    """What resolving an item reads of an offering and its spec, in plain Python objects.

    Computed once per catalog version (a catalog version never changes): items read these for
    every product, and reading attributes of the pydantic catalog models is slow.
    """

    offering: ProductOffering
    id: str
    name: str
    sellable: bool
    status: LifecycleStatus
    channels: frozenset[Channel]
    spec: ProductSpecification | None  # None for a bundle without a root product
    spec_id: str
    spec_name: str
    chars: tuple[_CharUse, ...]  # in spec order
    requirable: tuple[_Requirable, ...]
    # Bundled children: key, keys of the siblings it relies on, offering (None: not in catalog).
    children: tuple[tuple[str, tuple[str, ...], _Offering | None], ...]
    known: frozenset[str]  # the characteristics its items may set (own spec and children's)


# Per catalog version (entries go with it), the offerings resolved so far by id.
_OFFERINGS: WeakKeyDictionary[CatalogIndex, dict[str, _Offering]] = WeakKeyDictionary()


def _offerings(catalog: CatalogVersion) -> dict[str, _Offering]:
    index = catalog.index
    offerings = _OFFERINGS.get(index)
    if offerings is None:
        offerings = _OFFERINGS.setdefault(index, {})
    return offerings


def _make_offering(catalog: CatalogVersion, offering: ProductOffering) -> _Offering:
    spec = catalog.product_spec(offering.product_specification or "")
    chars: list[_CharUse] = []
    requirable: list[_Requirable] = []
    for char in spec.characteristics if spec is not None else ():
        offered = offering.char_value_use.get(char.name)
        default = _MISSING
        if offered is not None:
            default = char.default if char.default in offered else offered[0]
        elif char.default is not None:
            default = char.default
        chars.append((char.name, ValueRule.of(char), offered, default))
        if char.required or char.required_when is not None or char.required_for_decomposition:
            when = char.required_when
            condition = catalog.condition(when) if when is not None else None
            requirable.append(
                (char.name, char.required, condition, char.required_for_decomposition)
            )
    children: list[tuple[str, tuple[str, ...], _Offering | None]] = []
    known = {c[0] for c in chars}
    for bundled in offering.bundled:
        child = catalog.offering(bundled.offering)
        child_info = _make_offering(catalog, child) if child is not None else None
        children.append((bundled.key, tuple(bundled.relies_on), child_info))
        if child_info is not None:
            known.update(c[0] for c in child_info.chars)
    return _Offering(
        offering=offering,
        id=offering.id,
        name=offering.name,
        sellable=offering.sellable,
        status=offering.lifecycle_status,
        channels=frozenset(offering.channels),
        spec=spec,
        spec_id=spec.id if spec is not None else "",
        spec_name=spec.name if spec is not None else "",
        chars=tuple(chars),
        requirable=tuple(requirable),
        children=tuple(children),
        known=frozenset(known),
    )


def _given_values(item: ProductOrderItem) -> dict[str, Any]:
    return item.product.characteristic_values() if item.product is not None else {}


def _child_quantity(chosen: dict[str, ProductOrderItem] | None, key: str) -> int:
    """How many of a bundled child each bundle unit holds: its child item's quantity (the
    flattened form has no child items: one)."""
    child = chosen.get(key) if chosen is not None else None
    return child.quantity if child is not None else 1


def _unit_keys(key: str, quantity: int) -> list[str]:
    """Product keys of `quantity` units: the key alone for one, else `key#1`, `key#2` ..."""
    return [key] if quantity == 1 else [f"{key}#{m}" for m in range(1, quantity + 1)]


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
        self.offerings = _offerings(catalog)
        # Normalized values by (id of the rule, type, raw value), for the memoized types: items
        # repeat values (speeds, SIM types...). By type too: True == 1, but not as a value.
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
        parents, _ = bundle_parents(self.order)  # structure problems are reported already
        children = children_by_bundle(self.order, parents)
        for item in self.order.all_items():
            action = item.action
            if action == _ITEM_NO_CHANGE or item.id in parents:
                continue  # a bundle's child item is resolved with its bundle item
            if action == _ITEM_ADD:
                self._resolve_add(item, children.get(item.id, []))
            else:
                self._resolve_existing(item, Action(action.value))
        self._link_items()
        self._check_relied_on_specs()
        return ResolvedOrder(self.instances, self.problems)

    def _offering(self, offering: ProductOffering) -> _Offering:
        info = self.offerings.get(offering.id)
        if info is None:
            info = self.offerings[offering.id] = _make_offering(self.catalog, offering)
        return info

    # -- values ------------------------------------------------------------------------------

    def _values(
        self,
        item: ProductOrderItem,
        given: Mapping[str, Any],
        offering: _Offering,
        *,
        with_defaults: bool,
    ) -> dict[str, Any]:
        """Normalized values in spec order; problems for ill-typed or invalid ones."""
        values: dict[str, Any] = {}
        normalized = self.normalized
        for name, rule, offered, default in offering.chars:
            raw = given.get(name)
            if raw is not None:
                try:
                    if type(raw) in _MEMOIZED_TYPES:
                        memo_key = (id(rule), type(raw), raw)
                        value = normalized.get(memo_key, _MISSING)
                        if value is _MISSING:
                            value = normalized[memo_key] = rule.normalize(raw)
                    else:
                        value = rule.normalize(raw)
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
            elif with_defaults and default is not _MISSING:
                values[name] = default
        return values

    def _check_required(
        self, item: ProductOrderItem, offering: _Offering, values: Mapping[str, Any]
    ) -> tuple[str, ...]:
        """Problems for missing required values; returns the missing requiredForDecomposition."""
        deferred: tuple[str, ...] = ()
        for name, required, required_when, for_decomposition in offering.requirable:
            if name in values:
                continue
            if required or (required_when is not None and required_when.holds(values)):
                self.problems.append(
                    _problem(
                        "MissingCharacteristic",
                        f"item '{item.id}': characteristic '{name}' is required by "
                        f"'{offering.spec_name}'",
                        item,
                    )
                )
            elif for_decomposition:
                deferred = (*deferred, name)
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

    def _resolve_add(self, item: ProductOrderItem, child_items: list[ProductOrderItem]) -> None:
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
        offering = self.offerings.get(ref.id)
        if offering is None:
            catalog_offering = self.catalog.offering(ref.id)
            if catalog_offering is None:
                self.problems.append(
                    _problem(
                        "UnknownOffering",
                        f"item '{item.id}': product offering '{ref.id}' is not in catalog "
                        f"version {self.catalog.version}",
                        item,
                    )
                )
                return
            offering = self._offering(catalog_offering)
        if offering.status != LifecycleStatus.LAUNCHED:
            # Products already sold with it still change and disconnect (_resolve_existing).
            self.problems.append(
                _problem(
                    "OfferingNotLaunched",
                    f"item '{item.id}': '{offering.name}' is {offering.status.value.lower()} "
                    "and can no longer be ordered"
                    if offering.status in {LifecycleStatus.RETIRED, LifecycleStatus.OBSOLETE}
                    else f"item '{item.id}': '{offering.name}' is "
                    f"{offering.status.value.lower()}, not launched yet",
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
        product = item.product
        given: dict[str, Any] = {}
        if product is not None:
            # ProductRefOrValue.characteristic_values, inlined (a loop: a comprehension costs
            # more for a few values)
            for characteristic in product.product_characteristic:
                given[characteristic.name] = characteristic.value
        if not offering.known.issuperset(given):
            self._check_unknown(item, given, offering.known)
        keys: list[str] = []
        item_id, quantity = item.id, item.quantity
        children = offering.children
        # The bundle's child items, by bundled key (none: the flattened form, every child).
        chosen = self._child_items(item, offering, child_items) if child_items else None
        if chosen is not None:
            children = tuple(c for c in children if c[0] in chosen)
        present = {key for key, _, _ in children}
        has_root = offering.spec is not None
        for n in range(1, quantity + 1):
            base = item_id if quantity == 1 else f"{item_id}#{n}"
            if has_root:
                self._new_instance(item, item_id, base, offering, given)
                keys.append(base)
            if not children:
                continue
            # A child item's own quantity: that many of the child in each bundle unit.
            child_keys = {
                key: _unit_keys(f"{base}/{key}", _child_quantity(chosen, key))
                for key, _, child in children
                if child is not None
            }
            if has_root:
                self.instances[-1].bundle_children = tuple(
                    k for ks in child_keys.values() for k in ks
                )
            for key, relies_on, child in children:
                if child is None:
                    continue
                child_item = chosen[key] if chosen is not None else item
                child_given = given
                if child_item is not item:
                    # The bundle item's values apply to every child that does not give its own.
                    child_given = {**given, **_given_values(child_item)}
                for unit_key in child_keys[key]:
                    instance = self._new_instance(
                        child_item, child_item.id, unit_key, child, child_given, item_id
                    )
                    instance.relies_on = tuple(
                        k for other in relies_on if other in present for k in child_keys[other]
                    )
                    instance.bundle_root = base if has_root else None
                    if child_item is not item:
                        self.keys_by_item.setdefault(child_item.id, []).append(unit_key)
            keys.extend(k for ks in child_keys.values() for k in ks)
        self.keys_by_item[item_id] = keys

    def _child_items(
        self, item: ProductOrderItem, offering: _Offering, child_items: list[ProductOrderItem]
    ) -> dict[str, ProductOrderItem]:
        """The bundled key each child item orders (matched by offering, in catalog order);
        problems name the child items that match none."""
        chosen: dict[str, ProductOrderItem] = {}
        for child in child_items:
            offered = child.product_offering.id if child.product_offering else None
            key = next(
                (
                    k
                    for k, _, info in offering.children
                    if info is not None and info.id == offered and k not in chosen
                ),
                None,
            )
            if key is None:
                parts = ", ".join(info.id for _, _, info in offering.children if info is not None)
                reason = (
                    f"item '{child.id}': '{offering.name}' is not a bundle, so it bundles no item"
                    if not offering.children
                    else f"item '{child.id}': offering '{offered}' is not part of bundle "
                    f"'{offering.name}' of item '{item.id}' (it bundles {parts}, each once)"
                )
                self.problems.append(_problem("NotInBundle", reason, child))
                continue
            chosen[key] = child
            given = _given_values(child)
            info = next(i for k, _, i in offering.children if k == key)
            assert info is not None
            if not info.known.issuperset(given):
                self._check_unknown(child, given, info.known)
        return chosen

    def _new_instance(
        self,
        item: ProductOrderItem,
        item_id: str,
        key: str,
        offering: _Offering,
        given: Mapping[str, Any],
        root_item_id: str | None = None,
    ) -> ProductInstance:
        spec = offering.spec
        assert spec is not None  # the catalog checker guarantees it
        # Problems are the same for every quantity instance: report them once.
        known = len(self.problems)
        values = self._values(item, given, offering, with_defaults=True)
        missing = self._check_required(item, offering, values)
        checked = (item_id, offering.spec_id)
        if len(self.problems) > known and checked in self.checked:
            del self.problems[known:]
        self.checked.add(checked)
        # Positional arguments, in field order (key, item id, root item id, offering, spec,
        # their ids, action, values): calling a class with keywords costs twice as much.
        instance = ProductInstance(
            key,
            item_id,
            root_item_id or item_id,
            offering.offering,
            spec,
            offering.id,
            offering.spec_id,
            _ADD,
            values,
        )
        if missing:
            instance.missing = missing
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
        changes = self._values(item, given, self._offering(offering), with_defaults=False)
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
                offering_id=offering.id,
                spec_id=spec.id,
                action=action,
                values=values,
                old_values=old,
                product_id=product_id,
            )
        )
        self.keys_by_item[item.id] = [item.id]

    # -- relationships -----------------------------------------------------------------------

    def _link_items(self) -> None:
        by_key: dict[str, ProductInstance] = {}  # built for the first relationship
        for item in self.order.all_items():
            relationships = item.product_order_item_relationship
            if not relationships:
                continue
            if not by_key:
                by_key = {i.key: i for i in self.instances}
            related = [rel.id for rel in relationships if rel.relationship_type == _RELIES_ON]
            targets = [k for rel in related for k in self.keys_by_item.get(rel, [])]
            for key in self.keys_by_item.get(item.id, []):
                instance = by_key[key]
                relies_on = list(instance.relies_on)
                for target in targets:
                    if target not in relies_on:
                        relies_on.append(target)
                instance.relies_on = tuple(relies_on)

    def _check_relied_on_specs(self) -> None:
        """An add-on needs one of the products it relies on, ordered alongside or owned."""
        spec_ids: dict[str, str] = {}  # by product key, built for the first add-on
        owned = {
            p.product_specification.id
            for p in self.inventory.values()
            if p.product_specification is not None
            and p.status in {ProductStatus.ACTIVE, ProductStatus.SUSPENDED}
        }
        items: dict[str, ProductOrderItem] = {}  # by id, built for the first problem
        reported: set[str] = set()
        needs: dict[str, frozenset[str]] = {}  # by spec id
        for instance in self.instances:
            if instance.action != _ADD or instance.item_id in reported:
                continue
            needed = needs.get(instance.spec_id)
            if needed is None:
                needed = needs[instance.spec_id] = frozenset(instance.spec.relies_on_specs)
            if not needed:
                continue
            if not spec_ids:
                spec_ids = {i.key: i.spec_id for i in self.instances}
            related = {spec_ids[k] for k in instance.relies_on if k in spec_ids}
            if needed & (related | owned):
                continue
            reported.add(instance.item_id)
            if not items:
                items = {i.id: i for i in self.order.all_items()}
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
