"""What the review-wait tests share: a published catalog version with an enrichment, an
approval and a duplicate rule, and a handset order for it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from decomposition.catalog import CatalogVersion
from store.catalog_admin import publish_draft
from store.catalogs import seed_repository
from tests.catalog_admin.support import reset_catalog_management
from tests.sample_orders import order_body

PARIS = "12 Rue de la Paix, 75002 Paris"
RULES: list[dict[str, Any]] = [
    {
        "id": "paris-silver",
        "kind": "enrich",
        "when": "offering == 'handset-nova-x5'",
        "lookup": {
            "source": "deliveryAddress",
            "extract": r"\b(\d{5})\b",
            "table": {"75": {"color": "silver"}},
        },
    },
    {
        "id": "big-handsets",
        "kind": "approval",
        "when": "offering == 'handset-nova-x5' and totalPrice > 650",
        "reason": "Handsets above 650 EUR need an approver",
    },
    {
        "id": "one-parcel-per-address",
        "kind": "duplicate",
        "description": "A second handset to the same address from another channel",
        "when": "offering == 'handset-nova-x5'",
        "matchCharacteristics": ["deliveryAddress"],
        "windowHours": 1,
    },
]


@pytest.fixture
def review_rules(database: str) -> Iterator[None]:
    reset_catalog_management()
    base = seed_repository().latest
    document = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    version = f"{base.version}.{uuid.uuid4().int % 1000 + 1}"
    document = {**document, "version": version, "rules": RULES}
    CatalogVersion.model_validate(document)
    publish_draft(version, document, actor="test")
    yield
    reset_catalog_management()


def handset(customer: str, storage: int, channel: str = "web", address: str = "") -> dict:
    item = {
        "id": "1",
        "action": "add",
        "productOffering": {"id": "handset-nova-x5"},
        "product": {
            "productCharacteristic": [
                {"name": "model", "value": "nova-x5"},
                {"name": "storageGb", "value": storage},
                {"name": "deliveryAddress", "value": address or f"{uuid.uuid4().hex[:8]} Main St"},
            ]
        },
    }
    return order_body([item], customer=customer, channel=channel)
