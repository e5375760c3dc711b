"""From order items to product instances: catalog validation, bundle expansion, quantity.

A product instance is one product the order creates or changes: an item of quantity 3 gives three,
a bundle gives its root and one per bundled child. Each is keyed by a readable, stable
`product_key`: the item id, then "#n" when the quantity is above 1, then "/child" in a bundle.

This module walks the order: new products (new_products.py) and actions on existing ones
(existing_products.py), both checking characteristic values (characteristic_checks.py); then
the relationships between the items' products.
"""

from __future__ import annotations

from collections.abc import Sequence

from decomposition.bundle_items import bundle_parents, children_by_bundle
from decomposition.catalog import Action, CatalogVersion, Channel
from decomposition.characteristic_checks import CharacteristicChecks
from decomposition.existing_products import ExistingProducts
from decomposition.new_products import NewProducts
from decomposition.offering_terms import terms_by_id
from decomposition.problems import Problem
from decomposition.product_instances import ProductInstance, ResolvedOrder, item_problem
from tmf.product_inventory import Product, ProductStatus
from tmf.product_order import ItemAction, ProductOrderCreate, ProductOrderItem, RelationshipType

__all__ = ["ProductInstance", "ResolvedOrder", "resolve_order"]

# Read for every item: reading an attribute of an enum class is slow.
_ADD = Action.ADD
_ITEM_ADD = ItemAction.ADD
_ITEM_NO_CHANGE = ItemAction.NO_CHANGE
_RELIES_ON = RelationshipType.RELIES_ON


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
        self.terms = terms_by_id(catalog)
        self.checks = CharacteristicChecks(self.problems)

    def resolve(self) -> ResolvedOrder:
        new = NewProducts(
            self.catalog,
            self.terms,
            self._channel(),
            self.checks,
            self.instances,
            self.keys_by_item,
        )
        existing = ExistingProducts(
            self.catalog,
            self.terms,
            self.order,
            self.inventory,
            self.checks,
            self.instances,
            self.keys_by_item,
        )
        parents, _ = bundle_parents(self.order)  # structure problems are reported already
        children = children_by_bundle(self.order, parents)
        for item in self.order.all_items():
            action = item.action
            if action == _ITEM_NO_CHANGE or item.id in parents:
                continue  # a bundle's child item is resolved with its bundle item
            if action == _ITEM_ADD:
                new.resolve(item, children.get(item.id, []))
            else:
                existing.resolve(item, Action(action.value))
        self._link_items()
        self._check_relied_on_specs()
        return ResolvedOrder(self.instances, self.problems)

    def _channel(self) -> Channel | None:
        """The order's sales channel (None: not given, or unknown: a problem)."""
        name = self.order.channel_name()
        if name is None:
            return None
        try:
            return Channel(name.lower())
        except ValueError:
            allowed = ", ".join(c.value for c in Channel)
            self.problems.append(
                Problem(
                    code="UnknownChannel",
                    reason=f"channel '{name}' is not one of {allowed}",
                )
            )
            return None

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
                item_problem(
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
