"""The catalog as TMF620 resources, so that any TMF client can build a valid order from it."""

from __future__ import annotations

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
    BundledProductOffering,
    CatalogRef,
    ChannelRef,
    CharacteristicValueSpecification,
    ProductSpecCharValueUse,
    ProductSpecificationCharacteristic,
    catalog_href,
)
from tmf.product_catalog import ProductOffering as TmfProductOffering
from tmf.product_catalog import ProductOfferingPrice as TmfProductOfferingPrice
from tmf.product_catalog import ProductSpecification as TmfProductSpecification

_LAUNCHED = "Launched"


def _characteristic(char: CharacteristicSpec) -> ProductSpecificationCharacteristic:
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
                value_from=char.minimum,
                value_to=char.maximum,
            )
        ]
    description = char.description or None
    if char.required_when:
        description = (
            f"{description + ' ' if description else ''}Required when {char.required_when}."
        )
    return ProductSpecificationCharacteristic(
        name=char.name,
        description=description,
        value_type=char.value_type.value,
        min_cardinality=1 if char.required else 0,
        max_cardinality=1,
        regex=char.pattern,
        product_spec_characteristic_value=values,
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
        lifecycle_status=_LAUNCHED,
        is_bundle=any(
            o.is_bundle and o.product_specification == spec.id for o in catalog.offerings
        ),
        product_spec_characteristic=[_characteristic(c) for c in spec.characteristics],
        service_specification=[
            CatalogRef(id=r.target, name=_name(catalog, r.target)) for r in spec.relationships
        ],
    )


def _offering_name(catalog: CatalogVersion, offering_id: str) -> str | None:
    offering = catalog.offering(offering_id)
    return offering.name if offering else None


def _name(catalog: CatalogVersion, spec_id: str) -> str | None:
    spec = catalog.spec(spec_id)
    return spec.name if spec else None


def price_of(
    price: PriceSpec, catalog: CatalogVersion, base_url: str = ""
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
        lifecycle_status=_LAUNCHED,
        price_type=price.price_type.value,
        recurring_charge_period_type=price.recurring_period if recurring else None,
        recurring_charge_period_length=1 if recurring else None,
        price=Money(unit=price.currency, value=float(price.amount)),
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
        lifecycle_status=_LAUNCHED,
        price_type="discount",
        percentage=float(rule.percentage) if rule.percentage is not None else None,
        price=Money(value=-float(rule.amount)) if rule.amount is not None else None,
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
        lifecycle_status=_LAUNCHED,
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
        else None,
        bundled_product_offering=[
            BundledProductOffering(
                id=b.offering,
                href=catalog_href(base_url, "productOffering", b.offering),
                name=_offering_name(catalog, b.offering),
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
    )


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
        prices.extend(price_of(p, catalog, base_url) for p in offering.prices)
        prices.extend(discount_of(d, catalog, base_url) for d in offering.discounts)
    return prices
