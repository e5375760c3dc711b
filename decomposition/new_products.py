"""The order items that add products: the offering may be sold (launched, sellable, through the
order's channel), a bundle gives its root and one product per bundled child (the child items it
has, else every child), and an item of quantity n gives n units of each.

Product keys: the item id, then "#n" when the quantity is above 1, then "/child" in a bundle
(and "#m" again when a child item orders m of its child in each bundle unit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from decomposition.catalog import Action, CatalogVersion, Channel, LifecycleStatus
from decomposition.characteristic_checks import CharacteristicChecks
from decomposition.offering_terms import OfferingTerms, terms_of
from decomposition.problems import Problem
from decomposition.product_instances import ProductInstance, item_problem
from tmf.product_order import ProductOrderItem

# Read for every instance: reading an attribute of an enum class is slow.
_ADD = Action.ADD


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


class NewProducts:
    """Resolves one order's add items into product instances, appended to `instances`."""

    def __init__(
        self,
        catalog: CatalogVersion,
        terms: dict[str, OfferingTerms],
        channel: Channel | None,
        checks: CharacteristicChecks,
        instances: list[ProductInstance],
        keys_by_item: dict[str, list[str]],
    ) -> None:
        self.catalog = catalog
        self.terms = terms
        self.channel = channel
        self.checks = checks
        self.problems: list[Problem] = checks.problems
        self.instances = instances
        self.keys_by_item = keys_by_item
        self.checked: set[tuple[str, str]] = set()  # (item id, spec id) whose values were checked

    def resolve(self, item: ProductOrderItem, child_items: list[ProductOrderItem]) -> None:
        ref = item.product_offering
        if ref is None:
            self.problems.append(
                item_problem(
                    "MissingOffering",
                    f"item '{item.id}' adds a product but names no productOffering",
                    item,
                )
            )
            return
        offering = self.terms.get(ref.id)
        if offering is None:
            catalog_offering = self.catalog.offering(ref.id)
            if catalog_offering is None:
                self.problems.append(
                    item_problem(
                        "UnknownOffering",
                        f"item '{item.id}': product offering '{ref.id}' is not in catalog "
                        f"version {self.catalog.version}",
                        item,
                    )
                )
                return
            offering = terms_of(self.catalog, self.terms, catalog_offering)
        if offering.status != LifecycleStatus.LAUNCHED:
            # Products already sold with it still change and disconnect (existing_products.py).
            self.problems.append(
                item_problem(
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
                item_problem(
                    "OfferingNotSellable",
                    f"item '{item.id}': '{offering.name}' is only sold inside a bundle",
                    item,
                )
            )
            return
        if self.channel is not None and self.channel not in offering.channels:
            self.problems.append(
                item_problem(
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
            self.checks.check_unknown(item, given, offering.known)
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
        self, item: ProductOrderItem, offering: OfferingTerms, child_items: list[ProductOrderItem]
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
                self.problems.append(item_problem("NotInBundle", reason, child))
                continue
            chosen[key] = child
            given = _given_values(child)
            info = next(i for k, _, i in offering.children if k == key)
            assert info is not None
            if not info.known.issuperset(given):
                self.checks.check_unknown(child, given, info.known)
        return chosen

    def _new_instance(
        self,
        item: ProductOrderItem,
        item_id: str,
        key: str,
        offering: OfferingTerms,
        given: Mapping[str, Any],
        root_item_id: str | None = None,
    ) -> ProductInstance:
        spec = offering.spec
        assert spec is not None  # the catalog checker guarantees it
        # Problems are the same for every quantity instance: report them once.
        known = len(self.problems)
        values = self.checks.values(item, given, offering, with_defaults=True)
        missing = self.checks.check_required(item, offering, values)
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
