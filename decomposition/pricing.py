"""Order pricing from the catalog: each item's itemPrice and the order's orderTotalPrice.

Amounts are computed in Decimal and rounded to cents. Every OrderPrice carries the price after
discounts; its priceAlteration lists the discounts applied (negative amounts, with the
percentage when there is one), so the list price is price minus the alterations.
An item that adds a product is priced at its charges. One that acts on a product in inventory
is priced at what it changes on the bill: a modify at the difference between the charges at the
new and at the old values (a faster speed: the monthly fee's increase), a delete at the charges
that end, as negative amounts (a disconnect: the monthly fee; a product sold outright and
returned, with no recurring charge: the refund of what was paid, as inventory recorded it).
A suspension is priced at the recurring charges it stops, a resumption at those it starts again
(no one-time charge: the catalog has no suspension fee).
`product_price` is each product's full price after the order, which inventory keeps, by product
key: one unit of several, a bundle (its components with its discounts), each component (its own
charges with the bundle's discounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, Field

from decomposition.bundle_items import bundle_parents
from decomposition.catalog import (
    Action,
    CatalogVersion,
    Channel,
    DiscountRule,
    PriceSpec,
    PriceType,
    ProductOffering,
    ReturnRemedy,
)
from decomposition.items import ProductInstance, resolve_order
from decomposition.lifecycle import in_use
from decomposition.problems import Problem
from decomposition.returns import remedy_of, share
from decomposition.structure import validate_structure
from tmf.common import Money, OrderPrice, Price, PriceAlteration
from tmf.product_inventory import Product
from tmf.product_order import ItemAction, ProductOrderCreate

_CENT = Decimal("0.01")
_NAMES = {PriceType.ONE_TIME: "One-time charges", PriceType.RECURRING: "Recurring charges"}


def _money(amount: Decimal, currency: str) -> Money:
    return Money(unit=currency, value=float(amount.quantize(_CENT, rounding=ROUND_HALF_UP)))


@dataclass
class _Charge:
    """The charges of one price type, period and currency, with the discounts on them."""

    price_type: PriceType
    period: str | None
    currency: str
    amount: Decimal
    discounts: list[tuple[DiscountRule, Decimal]]

    def total(self) -> Decimal:
        return self.amount - sum((d for _, d in self.discounts), Decimal(0))


class OrderPricing(BaseModel):
    item_price: dict[str, list[OrderPrice]] = Field(default_factory=dict)  # by item id
    order_total_price: list[OrderPrice] = Field(default_factory=list)
    # Each product's full price once the item is done (an add's, a modify's), for inventory.
    product_price: dict[str, list[OrderPrice]] = Field(default_factory=dict)  # by product key
    problems: list[Problem] = Field(default_factory=list)


def _applies(rule: DiscountRule, channel: Channel | None) -> bool:
    # A discount still in design or test, or retired, is granted to no new order.
    return in_use(rule.lifecycle_status) and (not rule.channels or channel in rule.channels)


def _price_amount(price: PriceSpec, values: dict[str, Any]) -> Decimal:
    if price.per_unit_of is None:
        return price.amount
    return price.amount * int(values.get(price.per_unit_of) or 0)


def _charges(
    catalog: CatalogVersion,
    offering: ProductOffering,
    instances: Sequence[ProductInstance],
    channel: Channel | None,
    quantity: int,
    bundle: ProductOffering | None = None,
) -> list[_Charge]:
    """Charges of one item: its instances' prices (one set per quantity unit), then discounts:
    an offering's own discounts on its own prices, a bundle's on the whole bundle (or, for a
    bundle's child item, on the child's charges)."""
    if bundle is None and offering.is_bundle:
        bundle = offering
    charges: dict[tuple[PriceType, str | None, str], _Charge] = {}

    def charge_for(price: PriceSpec) -> _Charge:
        key = (price.price_type, price.recurring_period, price.currency)
        if key not in charges:
            charges[key] = _Charge(
                price.price_type, price.recurring_period, price.currency, Decimal(0), []
            )
        return charges[key]

    per_offering: dict[str, dict[tuple[PriceType, str | None, str], Decimal]] = {}
    for instance in instances:
        for price in instance.offering.prices:
            if not in_use(price.lifecycle_status):
                continue  # not charged before it is Active, nor once retired
            if price.condition and not catalog.condition(price.condition).holds(instance.values):
                continue
            amount = _price_amount(price, instance.values)
            charge_for(price).amount += amount
            key = (price.price_type, price.recurring_period, price.currency)
            own = per_offering.setdefault(instance.offering.id, {})
            own[key] = own.get(key, Decimal(0)) + amount
    # Discounts of each component offering (e.g. online-only) on that offering's charges...
    for offering_id, amounts in per_offering.items():
        component = catalog.offering(offering_id)
        if component is None or (component.id == offering.id and offering.is_bundle):
            continue
        for rule in component.discounts:
            if _applies(rule, channel):
                _discount(charges, amounts, rule, quantity)
    # ... and the bundle's discounts on the bundle's total.
    if bundle is not None:
        totals = {k: c.amount for k, c in charges.items()}
        for rule in bundle.discounts:
            if _applies(rule, channel):
                _discount(charges, totals, rule, quantity)
    return [charges[k] for k in sorted(charges, key=lambda k: (k[0].value, k[1] or "", k[2]))]


def _discount(
    charges: dict[tuple[PriceType, str | None, str], _Charge],
    base: dict[tuple[PriceType, str | None, str], Decimal],
    rule: DiscountRule,
    quantity: int,
) -> None:
    for key, amount in base.items():
        if key[0] != rule.applies_to or amount <= 0:
            continue
        if rule.percentage is not None:
            off = amount * rule.percentage / Decimal(100)
        else:
            off = min(amount, (rule.amount or Decimal(0)) * quantity)
        charges[key].discounts.append((rule, off))


def _order_price(charge: _Charge) -> OrderPrice:
    alterations = [
        PriceAlteration(
            name=rule.name,
            description=rule.description or None,
            price_type=charge.price_type.value,
            recurring_charge_period=charge.period,
            price=Price(
                percentage=float(rule.percentage) if rule.percentage is not None else None,
                tax_included_amount=_money(-off, charge.currency),
            ),
        )
        for rule, off in charge.discounts
    ]
    return OrderPrice(
        name=_NAMES[charge.price_type],
        price_type=charge.price_type.value,
        recurring_charge_period=charge.period,
        price=Price(tax_included_amount=_money(charge.total(), charge.currency)),
        price_alteration=alterations or None,
    )


def price_order(
    order: ProductOrderCreate, catalog: CatalogVersion, inventory: Sequence[Product] = ()
) -> OrderPricing:
    """itemPrice per add item and the orderTotalPrice, or the problems that prevent pricing.

    Catalog prices are tax included. Deferred items are priced too: their price does not
    depend on the information they wait for."""
    problems = validate_structure(order)
    resolved = resolve_order(order, catalog, inventory) if not problems else None
    if problems or resolved is None or resolved.problems:
        return OrderPricing(problems=problems or (resolved.problems if resolved else []))
    channel_name = order.channel_name()
    channel = Channel(channel_name.lower()) if channel_name else None
    by_root: dict[str, list[ProductInstance]] = {}  # a bundle item's include its children's
    by_item: dict[str, list[ProductInstance]] = {}
    for instance in resolved.instances:
        by_root.setdefault(instance.root_item_id, []).append(instance)
        by_item.setdefault(instance.item_id, []).append(instance)
    parents, _ = bundle_parents(order)
    items = {i.id: i for i in order.all_items()}

    pricing = OrderPricing()
    totals: dict[tuple[PriceType, str | None, str], _Charge] = {}
    products = {p.id: p for p in inventory}
    for item in items.values():
        if item.action in CHANGES:
            acted_on = by_item.get(item.id, [])
            if len(acted_on) != 1:
                continue
            instance = acted_on[0]
            owned = products.get(instance.product_id or "")
            bundle = _bundle_of(catalog, owned, products)
            full, charges = _change(catalog, instance, channel, owned, bundle, order.category)
            if full is not None:
                pricing.product_price[item.id] = [_order_price(c) for c in full]
        elif item.action != ItemAction.ADD or item.product_offering is None:
            continue
        else:
            offering = catalog.offering(item.product_offering.id)
            if offering is None:
                continue
            bundle_item = items.get(parents.get(item.id, ""))
            if bundle_item is not None:
                # A bundle's child item: its own prices, with the bundle's discounts on them.
                # The bundle item's price already counts them, so the order total does not.
                bundle = (
                    catalog.offering(bundle_item.product_offering.id)
                    if (bundle_item.product_offering)
                    else None
                )
                charges = _charges(
                    catalog, offering, by_item.get(item.id, []), channel, item.quantity, bundle
                )
                pricing.item_price[item.id] = [_order_price(c) for c in charges]
                continue
            charges = _charges(catalog, offering, by_root.get(item.id, []), channel, item.quantity)
            units = _product_charges(catalog, by_root.get(item.id, []), channel)
            for product_key, own in units.items():
                pricing.product_price[product_key] = [_order_price(c) for c in own]
        pricing.item_price[item.id] = [_order_price(c) for c in charges]
        for charge in charges:
            key = (charge.price_type, charge.period, charge.currency)
            total = totals.setdefault(
                key, _Charge(charge.price_type, charge.period, charge.currency, Decimal(0), [])
            )
            total.amount += charge.amount
            total.discounts.extend(charge.discounts)
    pricing.order_total_price = [
        _order_price(_merge_discounts(totals[k]))
        for k in sorted(totals, key=lambda k: (k[0].value, k[1] or "", k[2]))
    ]
    return pricing


def _product_charges(
    catalog: CatalogVersion, instances: Sequence[ProductInstance], channel: Channel | None
) -> dict[str, list[_Charge]]:
    """Each product an add item creates, by product key, at what the customer pays for it: one
    unit of a quantity above one; a bundle, its components' charges with its discounts; a
    bundle's component, its own charges with the bundle's discounts on them (its share of the
    bundle's price, as a child item is priced: the bundle's price is their sum, not more)."""
    by_key = {i.key: i for i in instances}
    found: dict[str, list[_Charge]] = {}
    for instance in instances:
        offering = instance.offering
        if offering.is_bundle:
            unit = [i for i in instances if i.key == instance.key or i.bundle_root == instance.key]
            found[instance.key] = _charges(catalog, offering, unit, channel, 1)
            continue
        root = by_key.get(instance.bundle_root or "")
        bundle = root.offering if root is not None else None
        found[instance.key] = _charges(catalog, offering, [instance], channel, 1, bundle)
    return found


def _bundle_of(
    catalog: CatalogVersion, product: Product | None, products: dict[str, Product]
) -> ProductOffering | None:
    """The bundle offering a product in inventory is part of (its `bundled` relationship), whose
    discounts its charges carry."""
    for relationship in product.product_relationship if product else []:
        bundle = products.get(relationship.product.id)
        if relationship.relationship_type == "bundled" and bundle and bundle.product_offering:
            return catalog.offering(bundle.product_offering.id)
    return None


# Actions on a product in inventory that change what the customer pays. A suspension stops the
# recurring charges and a resumption starts them again; the catalog has no suspension fee, so
# neither has a one-time charge (README, "Prices").
CHANGES = frozenset({ItemAction.MODIFY, ItemAction.DELETE, ItemAction.SUSPEND, ItemAction.RESUME})
_Key = tuple[PriceType, str | None, str]


def _key(charge: _Charge) -> _Key:
    return (charge.price_type, charge.period, charge.currency)


def _with_defaults(instance: ProductInstance, values: dict[str, Any]) -> ProductInstance:
    """Price conditions read the spec's defaults for values inventory did not keep."""
    defaults = {c.name: c.default for c in instance.spec.characteristics if c.default is not None}
    return replace(instance, values={**defaults, **values})


def _recorded(product: Product | None) -> list[_Charge]:
    """The charges inventory recorded for a product (after its discounts)."""
    charges: list[_Charge] = []
    for price in product.product_price if product else []:
        amount = (price.price.get("taxIncludedAmount") or {}).get("value")
        if amount is None or price.price_type not in {t.value for t in PriceType}:
            continue
        unit = (price.price.get("taxIncludedAmount") or {}).get("unit", "EUR")
        charges.append(
            _Charge(
                PriceType(price.price_type),
                price.recurring_charge_period,
                str(unit),
                Decimal(str(amount)),
                [],
            )
        )
    return charges


def _net(charges: Sequence[_Charge]) -> dict[_Key, _Charge]:
    """Charges after their discounts, one per type, period and currency."""
    net: dict[_Key, _Charge] = {}
    for charge in charges:
        key = _key(charge)
        total = net.setdefault(key, _Charge(*key, Decimal(0), []))
        total.amount += charge.total()
    return net


def price_difference(new: Sequence[_Charge], old: Sequence[_Charge]) -> list[_Charge]:
    """What changes on the bill between two sets of charges (new minus old), zeros left out."""
    after, before = _net(new), _net(old)
    keys = sorted(set(after) | set(before), key=lambda k: (k[0].value, k[1] or "", k[2]))
    changes = []
    for key in keys:
        was = before[key].amount if key in before else Decimal(0)
        now = after[key].amount if key in after else Decimal(0)
        if (now - was).quantize(_CENT) != 0:
            changes.append(_Charge(*key, now - was, []))
    return changes


def _change(
    catalog: CatalogVersion,
    instance: ProductInstance,
    channel: Channel | None,
    product: Product | None,
    bundle: ProductOffering | None = None,
    segment: str | None = None,
) -> tuple[list[_Charge] | None, list[_Charge]]:
    """(the product's full charges after the item, or None when they do not change; the item's
    change to the bill). A bundle's component is priced with the bundle's discounts."""
    offering = instance.offering
    old = _with_defaults(instance, instance.old_values or instance.values)
    recorded = _recorded(product)
    was = recorded or _charges(catalog, offering, [old], channel, 1, bundle)
    fees = [c for c in was if c.price_type == PriceType.RECURRING]
    if instance.action == Action.SUSPEND:
        return None, price_difference([], fees)
    if instance.action == Action.RESUME:
        return None, price_difference(fees, [])
    if instance.action == Action.MODIFY:
        new = _with_defaults(instance, instance.values)
        full = _charges(catalog, offering, [new], channel, 1, bundle)
        # Only the recurring charges move: the one-time ones were paid when it was added.
        fee = [c for c in full if c.price_type == PriceType.RECURRING]
        was_fee = [c for c in was if c.price_type == PriceType.RECURRING]
        kept = [c for c in was if c.price_type != PriceType.RECURRING]
        return [*kept, *_net(fee).values()], price_difference(fee, was_fee)
    # A delete: the recurring charges end; a product with none (sold outright) is refunded,
    # as its return policy says (issue 25): less the restocking fee, and nothing for an
    # exchange, replacement or repair. The inspection may refund less (the return view).
    ending = [c for c in was if c.price_type == PriceType.RECURRING]
    if ending:
        return None, price_difference([], ending)
    policy = offering.return_policy
    if policy is None:
        return None, price_difference([], was)
    if remedy_of(instance.values.get("returnType")) != ReturnRemedy.REFUND:
        return None, []
    percent = policy.terms(segment).restocking_fee_percent or 0
    refunded = [replace(c, amount=c.total() - share(c.total(), percent), discounts=[]) for c in was]
    return None, price_difference([], refunded)


def product_prices(prices: dict[str, list[OrderPrice]], product_key: str) -> list[dict[str, Any]]:
    """The TMF637 productPrice of the product a task records, by its product key: an item's own
    product (the key is the item id), one unit of several, a bundle or one of its components.
    Plans priced before issue 26's last part kept item ids only: their units and components
    find nothing, as then."""
    return [p.to_tmf() for p in prices.get(product_key, [])]


def _merge_discounts(charge: _Charge) -> _Charge:
    """One alteration per discount rule in the order total (summed over items)."""
    merged: dict[str, tuple[DiscountRule, Decimal]] = {}
    for rule, off in charge.discounts:
        previous = merged.get(rule.id)
        merged[rule.id] = (rule, off + (previous[1] if previous else Decimal(0)))
    return _Charge(
        charge.price_type, charge.period, charge.currency, charge.amount, list(merged.values())
    )
