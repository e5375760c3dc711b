"""TMF620 Product Catalog Management v4 representations: offerings, specifications, prices."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tmf.common import Money, TmfModel

PRODUCT_CATALOG_BASE = "/tmf-api/productCatalogManagement/v4"


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


class CharacteristicValueSpecification(TmfModel):
    value_type: str | None = Field(default=None, alias="valueType")
    value: Any = None
    is_default: bool | None = Field(default=None, alias="isDefault")
    value_from: float | None = Field(default=None, alias="valueFrom")
    value_to: float | None = Field(default=None, alias="valueTo")
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


def catalog_href(base_url: str, resource: str, resource_id: str) -> str:
    return f"{base_url.rstrip('/')}{PRODUCT_CATALOG_BASE}/{resource}/{resource_id}"
