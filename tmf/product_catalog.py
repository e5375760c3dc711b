"""TMF620 Product Catalog Management v4 representations: offerings, specifications, prices."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tmf.common import Money, TmfModel

PRODUCT_CATALOG_BASE = "/tmf-api/productCatalogManagement/v4"
# Service (TMF633) and resource (TMF634) specifications are served under their own APIs.
SERVICE_CATALOG_BASE = "/tmf-api/serviceCatalogManagement/v4"
RESOURCE_CATALOG_BASE = "/tmf-api/resourceCatalogManagement/v4"


class CatalogRef(TmfModel):
    id: str
    href: str | None = None
    name: str | None = None
    version: str | None = None
    referred_type: str | None = Field(default=None, alias="@referredType")


class ChannelRef(TmfModel):
    id: str
    name: str | None = None


class BundledProductOffering(TmfModel):
    id: str
    href: str | None = None
    name: str | None = None
    lifecycle_status: str | None = Field(default=None, alias="lifecycleStatus")


class ProductOfferingRelationship(TmfModel):
    """reliesOn: an offering that needs a product of one of these (IPTV needs broadband)."""

    id: str
    href: str | None = None
    name: str | None = None
    relationship_type: str = Field(alias="relationshipType")
    role: str | None = None


class ProductSpecificationRelationship(TmfModel):
    id: str
    href: str | None = None
    name: str | None = None
    relationship_type: str = Field(alias="relationshipType")


class ProductSpecificationCharacteristicRelationship(TmfModel):
    """`dependsOn` another characteristic: required depending on its value (the description
    says when), so a client supplying that one supplies this one too."""

    name: str
    relationship_type: str = Field(alias="relationshipType")


class Quantity(TmfModel):
    amount: float
    units: str


class CharacteristicValueSpecification(TmfModel):
    value_type: str | None = Field(default=None, alias="valueType")
    value: Any = None
    is_default: bool | None = Field(default=None, alias="isDefault")
    # Integers in TMF620 v4 (a range of a number characteristic keeps its fractions).
    value_from: int | float | None = Field(default=None, alias="valueFrom")
    value_to: int | float | None = Field(default=None, alias="valueTo")
    regex: str | None = None


class ProductSpecificationCharacteristic(TmfModel):
    name: str
    description: str | None = None
    value_type: str = Field(alias="valueType")
    configurable: bool = True
    min_cardinality: int = Field(alias="minCardinality")
    max_cardinality: int = Field(alias="maxCardinality")
    regex: str | None = None
    product_spec_characteristic_value: list[CharacteristicValueSpecification] = Field(
        default_factory=list, alias="productSpecCharacteristicValue"
    )
    product_spec_char_relationship: list[ProductSpecificationCharacteristicRelationship] = Field(
        default_factory=list, alias="productSpecCharRelationship"
    )


class ProductSpecCharValueUse(TmfModel):
    """prodSpecCharValueUse: the values an offering allows for a characteristic of its spec."""

    name: str
    value_type: str | None = Field(default=None, alias="valueType")
    min_cardinality: int | None = Field(default=None, alias="minCardinality")
    max_cardinality: int | None = Field(default=None, alias="maxCardinality")
    product_spec_characteristic_value: list[CharacteristicValueSpecification] = Field(
        default_factory=list, alias="productSpecCharacteristicValue"
    )
    product_specification: CatalogRef | None = Field(default=None, alias="productSpecification")


class ProductSpecification(TmfModel):
    id: str
    href: str | None = None
    name: str
    description: str | None = None
    version: str | None = None
    lifecycle_status: str | None = Field(default=None, alias="lifecycleStatus")
    is_bundle: bool = Field(default=False, alias="isBundle")
    product_spec_characteristic: list[ProductSpecificationCharacteristic] = Field(
        default_factory=list, alias="productSpecCharacteristic"
    )
    service_specification: list[CatalogRef] = Field(
        default_factory=list, alias="serviceSpecification"
    )
    product_specification_relationship: list[ProductSpecificationRelationship] = Field(
        default_factory=list, alias="productSpecificationRelationship"
    )
    bundled_product_specification: list[CatalogRef] = Field(
        default_factory=list, alias="bundledProductSpecification"
    )
    last_update: str | None = Field(default=None, alias="lastUpdate")


class ProductOfferingPrice(TmfModel):
    id: str
    href: str | None = None
    name: str
    description: str | None = None
    version: str | None = None
    lifecycle_status: str | None = Field(default=None, alias="lifecycleStatus")
    price_type: str = Field(alias="priceType")  # oneTime | recurring | discount
    recurring_charge_period_type: str | None = Field(
        default=None, alias="recurringChargePeriodType"
    )
    recurring_charge_period_length: int | None = Field(
        default=None, alias="recurringChargePeriodLength"
    )
    price: Money | None = None
    percentage: float | None = None
    is_bundle: bool = Field(default=False, alias="isBundle")
    # perUnitOf: the characteristic whose value multiplies the amount (one fee per site).
    unit_of_measure: Quantity | None = Field(default=None, alias="unitOfMeasure")
    # The characteristic values the price applies to (downloadSpeed 100 -> the 100 fee).
    prod_spec_char_value_use: list[ProductSpecCharValueUse] = Field(
        default_factory=list, alias="prodSpecCharValueUse"
    )
    # Tessera extension (TMF620 v4 prices have no channel): the channels a discount is for.
    channel: list[ChannelRef] | None = None
    last_update: str | None = Field(default=None, alias="lastUpdate")


class ProductOffering(TmfModel):
    id: str
    href: str | None = None
    name: str
    description: str | None = None
    version: str | None = None
    lifecycle_status: str | None = Field(default=None, alias="lifecycleStatus")
    is_bundle: bool = Field(default=False, alias="isBundle")
    is_sellable: bool = Field(default=True, alias="isSellable")
    channel: list[ChannelRef] = Field(default_factory=list)
    product_specification: CatalogRef | None = Field(default=None, alias="productSpecification")
    bundled_product_offering: list[BundledProductOffering] = Field(
        default_factory=list, alias="bundledProductOffering"
    )
    product_offering_price: list[CatalogRef] = Field(
        default_factory=list, alias="productOfferingPrice"
    )
    prod_spec_char_value_use: list[ProductSpecCharValueUse] = Field(
        default_factory=list, alias="prodSpecCharValueUse"
    )
    product_offering_relationship: list[ProductOfferingRelationship] = Field(
        default_factory=list, alias="productOfferingRelationship"
    )
    category: list[CatalogRef] = Field(default_factory=list)
    last_update: str | None = Field(default=None, alias="lastUpdate")


class Category(TmfModel):
    id: str
    href: str | None = None
    name: str
    description: str | None = None
    version: str | None = None
    lifecycle_status: str | None = Field(default=None, alias="lifecycleStatus")
    is_root: bool = Field(alias="isRoot")
    parent_id: str | None = Field(default=None, alias="parentId")
    sub_category: list[CatalogRef] = Field(default_factory=list, alias="subCategory")
    product_offering: list[CatalogRef] = Field(default_factory=list, alias="productOffering")
    last_update: str | None = Field(default=None, alias="lastUpdate")


class Catalog(TmfModel):
    """One catalog version: new orders use the latest, an order finishes on its own."""

    id: str
    href: str | None = None
    name: str
    description: str | None = None
    version: str
    catalog_type: str = Field(default="productCatalog", alias="catalogType")
    lifecycle_status: str | None = Field(default=None, alias="lifecycleStatus")
    category: list[CatalogRef] = Field(default_factory=list)
    last_update: str | None = Field(default=None, alias="lastUpdate")


def catalog_href(base_url: str, resource: str, resource_id: str) -> str:
    return f"{base_url.rstrip('/')}{PRODUCT_CATALOG_BASE}/{resource}/{resource_id}"
