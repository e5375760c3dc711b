"""The order items that act on a product the customer owns: modify, delete, suspend, resume.

The product must be the customer's, in a state the action accepts, ordered under the offering
it was sold as (not a bundle as a whole), and its spec must support the action. A modify's new
values are the inventory's (those still valid) with the item's changes over them.
"""

from __future__ import annotations

from typing import Any

from decomposition.catalog import Action, CatalogVersion
from decomposition.characteristic_checks import CharacteristicChecks
from decomposition.characteristics import CharacteristicError, normalize_value
from decomposition.offering_terms import OfferingTerms, terms_of
from decomposition.problems import Problem
from decomposition.product_instances import ProductInstance, item_problem
from tmf.product_inventory import Product, ProductStatus
from tmf.product_order import ProductOrderCreate, ProductOrderItem

# Which inventory states each action on an existing product accepts.
_ALLOWED_STATES: dict[Action, frozenset[ProductStatus]] = {
    Action.MODIFY: frozenset({ProductStatus.ACTIVE, ProductStatus.SUSPENDED}),
    Action.DELETE: frozenset({ProductStatus.ACTIVE, ProductStatus.SUSPENDED}),
    Action.SUSPEND: frozenset({ProductStatus.ACTIVE}),
    Action.RESUME: frozenset({ProductStatus.SUSPENDED}),
}


class ExistingProducts:
    """Resolves one order's items on existing products into instances, appended to `instances`."""

    def __init__(
        self,
        catalog: CatalogVersion,
        terms: dict[str, OfferingTerms],
        order: ProductOrderCreate,
        inventory: dict[str, Product],
        checks: CharacteristicChecks,
        instances: list[ProductInstance],
        keys_by_item: dict[str, list[str]],
    ) -> None:
        self.catalog = catalog
        self.terms = terms
        self.order = order
        self.inventory = inventory  # by product id
        self.checks = checks
        self.problems: list[Problem] = checks.problems
        self.instances = instances
        self.keys_by_item = keys_by_item

    def resolve(self, item: ProductOrderItem, action: Action) -> None:
        product_id = item.product.id if item.product else None
        if not product_id:
            return  # validate_structure reports MissingProductId
        product = self.inventory.get(product_id)
        customer = self.order.customer_id()
        if product is None or (
            customer is not None and product.customer_id() not in (None, customer)
        ):
            self.problems.append(
                item_problem(
                    "ProductNotOwned",
                    f"item '{item.id}': product '{product_id}' is not owned by the customer, so "
                    f"it cannot be {action.value}{'d' if action.value.endswith('e') else 'ed'}",
                    item,
                )
            )
            return
        if product.status not in _ALLOWED_STATES[action]:
            self.problems.append(
                item_problem(
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
                item_problem(
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
                item_problem(
                    "UnknownOffering",
                    f"item '{item.id}': product '{product_id}' has offering '{offering_id}', "
                    f"which is not in catalog version {self.catalog.version}",
                    item,
                )
            )
            return
        if offering.is_bundle:
            self.problems.append(
                item_problem(
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
                item_problem(
                    "UnsupportedAction",
                    f"item '{item.id}': '{offering.name}' does not support {action.value}",
                    item,
                )
            )
            return
        given = item.product.characteristic_values() if item.product else {}
        self.checks.check_unknown(item, given, frozenset(c.name for c in spec.characteristics))
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
        terms = terms_of(self.catalog, self.terms, offering)
        changes = self.checks.values(item, given, terms, with_defaults=False)
        for char in spec.characteristics:
            if (
                not char.modifiable
                and char.name in changes
                and changes[char.name] != old.get(char.name)
            ):
                self.problems.append(
                    item_problem(
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
