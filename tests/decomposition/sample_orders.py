"""Builders of TMF622 orders and TMF637 inventory products against the sample catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from decomposition.catalog import CatalogVersion
from store.catalog_files import load_catalog_repository
from tmf.product_inventory import Product
from tmf.product_order import ProductOrderCreate

CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalog"
CUSTOMER = "cust-42"

# The smallest valid characteristics of each sample offering.
VALID: dict[str, dict[str, Any]] = {
    "fiber-broadband": {"installationAddress": "12 Rue de la Paix, Paris", "downloadSpeed": 500},
    "dsl-broadband": {"installationAddress": "3 Chemin Vert, Lyon", "downloadSpeed": 50},
    "mobile-postpaid": {"simType": "esim", "dateOfBirth": "1985-04-12"},
    "iptv": {"deliveryAddress": "12 Rue de la Paix, Paris"},
    "triple-play": {
        "installationAddress": "12 Rue de la Paix, Paris",
        "deliveryAddress": "12 Rue de la Paix, Paris",
        "simType": "sim",
        "dateOfBirth": "1985-04-12",
    },
    "sdwan-enterprise": {"siteCount": 3, "bandwidthMbps": 500},
    "handset-nova-x5": {"deliveryAddress": "12 Rue de la Paix, Paris", "color": "blue"},
}
PORT_IN = {
    "numberPortIn": True,
    "msisdnToPort": "+33612345678",
    "donorOperator": "Orange",
    "portingPin": "4321",
}


def load_catalog() -> CatalogVersion:
    return load_catalog_repository(CATALOG_DIR).get("2026.1")


def item(
    item_id: str,
    offering: str | None,
    chars: dict[str, Any] | None = None,
    *,
    action: str = "add",
    quantity: int = 1,
    relies_on: tuple[str, ...] = (),
    product_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": item_id, "action": action, "quantity": quantity}
    if offering is not None:
        body["productOffering"] = {"id": offering}
    product: dict[str, Any] = {
        "productCharacteristic": [{"name": k, "value": v} for k, v in (chars or {}).items()]
    }
    if product_id is not None:
        product["id"] = product_id
    body["product"] = product
    if relies_on:
        body["productOrderItemRelationship"] = [
            {"id": r, "relationshipType": "reliesOn"} for r in relies_on
        ]
    return body


def order(
    *items: dict[str, Any], channel: str | None = "web", start: str | None = "2026-03-02T08:00:00Z"
) -> ProductOrderCreate:
    body: dict[str, Any] = {
        "productOrderItem": list(items),
        "relatedParty": [{"id": CUSTOMER, "role": "customer", "@referredType": "Individual"}],
    }
    if channel is not None:
        body["channel"] = [{"id": channel, "name": channel}]
    if start is not None:
        body["requestedStartDate"] = start
    return ProductOrderCreate.model_validate(body)


def owned(
    product_id: str,
    offering: str,
    spec: str,
    chars: dict[str, Any],
    *,
    status: str = "active",
    customer: str = CUSTOMER,
) -> Product:
    return Product.model_validate(
        {
            "id": product_id,
            "status": status,
            "productOffering": {"id": offering},
            "productSpecification": {"id": spec},
            "productCharacteristic": [{"name": k, "value": v} for k, v in chars.items()],
            "relatedParty": [{"id": customer, "role": "customer", "@referredType": "Individual"}],
        }
    )
