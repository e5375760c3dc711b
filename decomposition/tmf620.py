"""The catalog as TMF620 resources, so that any TMF client can build a valid order from it."""

from __future__ import annotations

import re
from typing import Any

from decomposition.catalog import (
    CatalogVersion,
    CharacteristicSpec,
    DiscountRule,
    PriceSpec,
    PriceType,
    ProductOffering,
    ProductSpecification,
)
from tmf.common import Money
from tmf.product_catalog import (
    RESOURCE_CATALOG_BASE,
    SERVICE_CATALOG_BASE,
    BundledProductOffering,
    CatalogRef,
    ChannelRef,
    CharacteristicValueSpecification,
    ProductOfferingRelationship,
    ProductSpecCharValueUse,
    ProductSpecificationCharacteristic,
    ProductSpecificationCharacteristicRelationship,
    ProductSpecificationRelationship,
    Quantity,
    catalog_href,
)
from tmf.product_catalog import ProductOffering as TmfProductOffering
from tmf.product_catalog import ProductOfferingPrice as TmfProductOfferingPrice
from tmf.product_catalog import ProductSpecification as TmfProductSpecification


def _whole(bound: float | None) -> int | float | None:
    return int(bound) if bound is not None and float(bound).is_integer() else bound


def _characteristic(
    char: CharacteristicSpec, catalog: CatalogVersion
) -> ProductSpecificationCharacteristic:
    values = [
        CharacteristicValueSpecification(
            value_type=char.value_type.value,
            value=value,
            is_default=value == char.default,
        )
        for value in char.allowed_values
    ]
    if not values and (char.minimum is not None or char.maximum is not None):
        values = [
            CharacteristicValueSpecification(
                value_type=char.value_type.value,
                value_from=_whole(char.minimum),
                value_to=_whole(char.maximum),
            )
        ]
    description = char.description or None
    if char.required_when:
        description = (
            f"{description + ' ' if description else ''}Required when {char.required_when}."
        )
    if char.required_for_decomposition:
        description = (
            f"{description + ' ' if description else ''}"
            "Decomposition waits for it: give it with the order, or later."
        )
    # Required depending on other values: the client that gives those gives this one too.
    depends_on = sorted(catalog.condition(char.required_when).names) if char.required_when else []
    return ProductSpecificationCharacteristic(
        name=char.name,
        description=description,
        value_type=char.value_type.value,
        # Needed to fulfil, even if it may come after the order (staggered decomposition).
        min_cardinality=1 if char.required or char.required_for_decomposition else 0,
        max_cardinality=1,
        regex=char.pattern,
        product_spec_characteristic_value=values,
        product_spec_char_relationship=[
            ProductSpecificationCharacteristicRelationship(name=n, relationship_type="dependsOn")
            for n in depends_on
        ],
    )


def product_specification(
    spec: ProductSpecification, catalog: CatalogVersion, base_url: str = ""
) -> TmfProductSpecification:
    return TmfProductSpecification(
        id=spec.id,
        href=catalog_href(base_url, "productSpecification", spec.id),
        name=spec.name,
        description=spec.description or None,
        version=catalog.version,
        lifecycle_status=spec.lifecycle_status.value,
        is_bundle=any(
            o.is_bundle and o.product_specification == spec.id for o in catalog.offerings
        ),
        product_spec_characteristic=[_characteristic(c, catalog) for c in spec.characteristics],
        service_specification=[
            CatalogRef(
                id=r.target,
                href=specification_href(base_url, "service", r.target),
                name=_name(catalog, r.target),
            )
            for r in spec.relationships
        ],
        product_specification_relationship=[
            ProductSpecificationRelationship(
                id=other,
                href=catalog_href(base_url, "productSpecification", other),
                name=_name(catalog, other),
                relationship_type="reliesOn",
            )
            for other in spec.relies_on_specs
        ],
        bundled_product_specification=_bundled_specs(spec, catalog, base_url),
    )


def _bundled_specs(
    spec: ProductSpecification, catalog: CatalogVersion, base_url: str
) -> list[CatalogRef]:
    found: list[CatalogRef] = []
    for offering in catalog.offerings:
        if offering.product_specification != spec.id:
            continue
        for child in offering.bundled:
            target = catalog.offering(child.offering)
            child_spec = target.product_specification if target else None
            if child_spec and all(r.id != child_spec for r in found):
                found.append(
                    CatalogRef(
                        id=child_spec,
                        href=catalog_href(base_url, "productSpecification", child_spec),
                        name=_name(catalog, child_spec),
                    )
                )
    return found


def specification_href(base_url: str, domain: str, spec_id: str) -> str:
    """Where a service (TMF633) or resource (TMF634) specification is served."""
    base = SERVICE_CATALOG_BASE if domain == "service" else RESOURCE_CATALOG_BASE
    resource = "serviceSpecification" if domain == "service" else "resourceSpecification"
    return f"{base_url.rstrip('/')}{base}/{resource}/{spec_id}"


def _offering_name(catalog: CatalogVersion, offering_id: str) -> str | None:
    offering = catalog.offering(offering_id)
    return offering.name if offering else None


def _name(catalog: CatalogVersion, spec_id: str) -> str | None:
    spec = catalog.spec(spec_id)
    return spec.name if spec else None


# A condition of the simplest form, `name == literal`: a TMF client can read it as a value use.
_EQUALITY = re.compile(
    r"""^\s*([A-Za-z][A-Za-z0-9]*)\s*==\s*("[^"]*"|'[^']*'|-?\d+(?:\.\d+)?|true|false)\s*$"""
)


def _literal(text: str) -> Any:
    if text[0] in "\"'":
        return text[1:-1]
    if text in {"true", "false"}:
        return text == "true"
    return float(text) if "." in text else int(text)


def _condition_uses(
    condition: str | None, spec: ProductSpecification | None
) -> list[ProductSpecCharValueUse]:
    match = _EQUALITY.match(condition or "")
    if match is None:
        return []
    name, value = match.group(1), _literal(match.group(2))
    char = spec.characteristic(name) if spec else None
    value_type = char.value_type.value if char else None
    return [
        ProductSpecCharValueUse(
            name=name,
            value_type=value_type,
            product_spec_characteristic_value=[
                CharacteristicValueSpecification(value_type=value_type, value=value)
            ],
            product_specification=CatalogRef(id=spec.id, name=spec.name) if spec else None,
        )
    ]


def price_of(
    price: PriceSpec,
    catalog: CatalogVersion,
    base_url: str = "",
    spec: ProductSpecification | None = None,
) -> TmfProductOfferingPrice:
    description = f"Applies when {price.condition}." if price.condition else None
    if price.per_unit_of:
        description = f"{description + ' ' if description else ''}Per unit of {price.per_unit_of}."
    recurring = price.price_type == PriceType.RECURRING
    return TmfProductOfferingPrice(
        id=price.id,
        href=catalog_href(base_url, "productOfferingPrice", price.id),
        name=price.name,
        description=description,
        version=catalog.version,
        lifecycle_status=price.lifecycle_status.value,
        price_type=price.price_type.value,
        recurring_charge_period_type=price.recurring_period if recurring else None,
        recurring_charge_period_length=1 if recurring else None,
        price=Money(unit=price.currency, value=float(price.amount)),
        unit_of_measure=Quantity(amount=1, units=price.per_unit_of) if price.per_unit_of else None,
        prod_spec_char_value_use=_condition_uses(price.condition, spec),
    )


def discount_of(
    rule: DiscountRule, catalog: CatalogVersion, base_url: str = ""
) -> TmfProductOfferingPrice:
    description = rule.description or None
    if rule.channels:
        channels = ", ".join(c.value for c in rule.channels)
        description = f"{description + ' ' if description else ''}Only through {channels}."
    return TmfProductOfferingPrice(
        id=rule.id,
        href=catalog_href(base_url, "productOfferingPrice", rule.id),
        name=rule.name,
        description=description,
        version=catalog.version,
        lifecycle_status=rule.lifecycle_status.value,
        price_type="discount",
        # A discount on recurring charges recurs with them.
        recurring_charge_period_type="month" if rule.applies_to == PriceType.RECURRING else None,
        percentage=float(rule.percentage) if rule.percentage is not None else None,
        price=Money(value=-float(rule.amount)) if rule.amount is not None else None,
        channel=[ChannelRef(id=c.value, name=c.value) for c in rule.channels] or None,
    )


def product_offering(
    offering: ProductOffering, catalog: CatalogVersion, base_url: str = ""
) -> TmfProductOffering:
    spec = catalog.product_spec(offering.product_specification or "")
    uses = []
    for name, values in offering.char_value_use.items():
        char = spec.characteristic(name) if spec else None
        value_type = char.value_type.value if char else None
        uses.append(
            ProductSpecCharValueUse(
                name=name,
                value_type=value_type,
                min_cardinality=1 if char and char.required else 0,
                max_cardinality=1,
                product_spec_characteristic_value=[
                    CharacteristicValueSpecification(
                        value_type=value_type, value=v, is_default=i == 0
                    )
                    for i, v in enumerate(values)
                ],
                product_specification=CatalogRef(id=spec.id, name=spec.name) if spec else None,
            )
        )
    return TmfProductOffering(
        id=offering.id,
        href=catalog_href(base_url, "productOffering", offering.id),
        name=offering.name,
        description=offering.description or None,
        version=catalog.version,
        lifecycle_status=offering.lifecycle_status.value,
        is_bundle=offering.is_bundle,
        is_sellable=offering.sellable,
        channel=[ChannelRef(id=c.value, name=c.value) for c in offering.channels],
        product_specification=CatalogRef(
            id=spec.id,
            href=catalog_href(base_url, "productSpecification", spec.id),
            name=spec.name,
            version=catalog.version,
        )
        if spec
        # A draft may name a specification that does not exist yet: show the reference.
        else CatalogRef(id=offering.product_specification)
        if offering.product_specification
        else None,
        bundled_product_offering=[
            BundledProductOffering(
                id=b.offering,
                href=catalog_href(base_url, "productOffering", b.offering),
                name=_offering_name(catalog, b.offering),
                lifecycle_status=_offering_status(catalog, b.offering),
            )
            for b in offering.bundled
        ],
        product_offering_price=[
            CatalogRef(
                id=p.id, href=catalog_href(base_url, "productOfferingPrice", p.id), name=p.name
            )
            for p in offering.prices
        ]
        + [
            CatalogRef(
                id=d.id, href=catalog_href(base_url, "productOfferingPrice", d.id), name=d.name
            )
            for d in offering.discounts
        ],
        prod_spec_char_value_use=uses,
        product_offering_relationship=_relied_on_offerings(spec, catalog, base_url),
        category=[
            CatalogRef(
                id=c, href=catalog_href(base_url, "category", c), name=_category_name(catalog, c)
            )
            for c in offering.category
        ],
    )


def _relied_on_offerings(
    spec: ProductSpecification | None, catalog: CatalogVersion, base_url: str
) -> list[ProductOfferingRelationship]:
    """The launched offerings whose products satisfy what this one relies on."""
    if spec is None or not spec.relies_on_specs:
        return []
    return [
        ProductOfferingRelationship(
            id=o.id,
            href=catalog_href(base_url, "productOffering", o.id),
            name=o.name,
            relationship_type="reliesOn",
        )
        for o in catalog.offerings
        if o.product_specification in spec.relies_on_specs and o.orderable
    ]


def _offering_status(catalog: CatalogVersion, offering_id: str) -> str | None:
    offering = catalog.offering(offering_id)
    return offering.lifecycle_status.value if offering else None


def _category_name(catalog: CatalogVersion, category_id: str) -> str | None:
    return next((c.name for c in catalog.categories if c.id == category_id), None)


def product_offerings(catalog: CatalogVersion, base_url: str = "") -> list[TmfProductOffering]:
    return [product_offering(o, catalog, base_url) for o in catalog.offerings]


def product_specifications(
    catalog: CatalogVersion, base_url: str = ""
) -> list[TmfProductSpecification]:
    return [product_specification(s, catalog, base_url) for s in catalog.product_specifications]


def product_offering_prices(
    catalog: CatalogVersion, base_url: str = ""
) -> list[TmfProductOfferingPrice]:
    prices: list[TmfProductOfferingPrice] = []
    for offering in catalog.offerings:
        spec = catalog.product_spec(offering.product_specification or "")
        prices.extend(price_of(p, catalog, base_url, spec) for p in offering.prices)
        prices.extend(discount_of(d, catalog, base_url) for d in offering.discounts)
    # Prices and discounts created on their own, before an offering names them.
    prices.extend(price_of(p, catalog, base_url) for p in catalog.prices)
    prices.extend(discount_of(d, catalog, base_url) for d in catalog.discounts)
    return prices
