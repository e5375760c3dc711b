"""TMF637 Product Inventory v4: the Product a customer owns, as assetization records it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from tmf.common import Characteristic, EntityRef, RelatedParty, TmfModel, UtcDatetime

PRODUCT_INVENTORY_BASE = "/tmf-api/productInventory/v4"


class ProductStatus(StrEnum):
    CREATED = "created"
    PENDING_ACTIVE = "pendingActive"
    CANCELLED = "cancelled"
    ACTIVE = "active"
    PENDING_TERMINATE = "pendingTerminate"
    TERMINATED = "terminated"
    SUSPENDED = "suspended"
    ABORTED = "aborted"


class RelatedProductOrderItem(TmfModel):
    order_item_id: str = Field(alias="orderItemId")
    product_order_id: str = Field(alias="productOrderId")
    order_item_action: str | None = Field(default=None, alias="orderItemAction")
    product_order_href: str | None = Field(default=None, alias="productOrderHref")
    role: str | None = None


class ProductRelationship(TmfModel):
    relationship_type: str = Field(alias="relationshipType")  # bundled, reliesOn, ...
    product: EntityRef


class ProductPrice(TmfModel):
    name: str | None = None
    description: str | None = None
    price_type: str = Field(alias="priceType")
    recurring_charge_period: str | None = Field(default=None, alias="recurringChargePeriod")
    price: dict[str, Any]
    product_offering_price: EntityRef | None = Field(default=None, alias="productOfferingPrice")


class ProductCreate(TmfModel):
    """Product_Create: a product as a client POSTs it; the server assigns `id` and `href`."""

    name: str | None = None
    description: str | None = None
    is_bundle: bool | None = Field(default=None, alias="isBundle")
    is_customer_visible: bool | None = Field(default=None, alias="isCustomerVisible")
    status: ProductStatus  # required by TMF637 on create
    product_serial_number: str | None = Field(default=None, alias="productSerialNumber")
    order_date: UtcDatetime | None = Field(default=None, alias="orderDate")
    start_date: UtcDatetime | None = Field(default=None, alias="startDate")
    termination_date: UtcDatetime | None = Field(default=None, alias="terminationDate")
    product_offering: EntityRef | None = Field(default=None, alias="productOffering")
    product_specification: EntityRef | None = Field(default=None, alias="productSpecification")
    product_characteristic: list[Characteristic] = Field(
        default_factory=list, alias="productCharacteristic"
    )
    product_relationship: list[ProductRelationship] = Field(
        default_factory=list, alias="productRelationship"
    )
    product_order_item: list[RelatedProductOrderItem] = Field(
        default_factory=list, alias="productOrderItem"
    )
    product_price: list[ProductPrice] = Field(default_factory=list, alias="productPrice")
    realizing_service: list[EntityRef] = Field(default_factory=list, alias="realizingService")
    realizing_resource: list[EntityRef] = Field(default_factory=list, alias="realizingResource")
    related_party: list[RelatedParty] = Field(default_factory=list, alias="relatedParty")
    billing_account: EntityRef | None = Field(default=None, alias="billingAccount")
    place: list[dict[str, Any]] | None = None

    def characteristic_values(self) -> dict[str, Any]:
        return {c.name: c.value for c in self.product_characteristic}

    def customer_id(self) -> str | None:
        for party in self.related_party:
            if (party.role or "").lower() == "customer":
                return party.id
        return None


# Keys every product document carries, null when unknown: TMF637 clients (and its conformance
# kit) read them as mandatory, although the specification leaves them optional.
ALWAYS_PRESENT = ("billingAccount", "productOffering")


class Product(ProductCreate):
    """A TMF637 Product. Only assetizable characteristics are ever stored in it."""

    id: str = Field(min_length=1)
    href: str | None = None
    status: ProductStatus = ProductStatus.ACTIVE

    def to_tmf(self) -> dict[str, Any]:
        body = super().to_tmf()
        head: dict[str, Any] = {key: body.pop(key) for key in ("id", "href") if key in body}
        for key in ALWAYS_PRESENT:
            body.setdefault(key, None)
        return {**head, **body}


def product_href(base_url: str, product_id: str) -> str:
    return f"{base_url.rstrip('/')}{PRODUCT_INVENTORY_BASE}/product/{product_id}"
