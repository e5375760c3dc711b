"""The catalog's order rules at capture, over HTTP: enrichment shows on the order, and a second
order for the same address and offering from another channel is refused naming the first
(a rule saying `onDuplicate: refuse`),
while the same body with the same Idempotency-Key stays a replay."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from decomposition.catalog import CatalogVersion
from store.catalog_admin import publish_draft
from store.catalogs import seed_repository
from tests.catalog_admin.support import reset_catalog_management
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import order_body

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"

RULES: list[dict[str, Any]] = [
    {
        "id": "paris-router",
        "kind": "enrich",
        "description": "Paris exchanges serve the newer router",
        "when": "offering == 'fiber-broadband'",
        "lookup": {
            "source": "installationAddress",
            "extract": r"\b(\d{5})\b",
            "table": {"75": {"routerModel": "hx-700"}},
        },
    },
    {
        "id": "same-line-twice",
        "kind": "duplicate",
        "description": "One line per address: a second order is a channel duplicate",
        "when": "offering == 'fiber-broadband'",
        "matchCharacteristics": ["installationAddress"],
        "windowHours": 24,
        "onDuplicate": "refuse",  # held for review is the default (tests/rules/test_review_waits)
    },
]


@pytest.fixture
def catalog_with_rules(database: str) -> Iterator[None]:
    reset_catalog_management()
    base = seed_repository().latest
    document = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    version = f"{base.version}.{uuid.uuid4().int % 1000 + 1}"
    document = {**document, "version": version, "rules": RULES}
    CatalogVersion.model_validate(document)  # what publishing checks
    publish_draft(version, document, actor="test")
    yield
    reset_catalog_management()


def fiber_order(address: str, customer: str, channel: str) -> dict[str, Any]:
    item = {
        "id": "1",
        "action": "add",
        "productOffering": {"id": "fiber-broadband"},
        "product": {
            "productCharacteristic": [
                {"name": "technology", "value": "fiber"},
                {"name": "installationAddress", "value": address},
            ]
        },
    }
    return order_body([item], customer=customer, channel=channel)


async def test_enriched_and_duplicate_refused_replay_kept(
    http: httpx.AsyncClient, catalog_with_rules: None
) -> None:
    customer = f"cust-{uuid.uuid4()}"
    address = f"{uuid.uuid4().hex[:6]} Rue de la Paix, 75002 Paris"
    body = fiber_order(address, customer, "web")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await http.post(ORDERS, json=body, headers=key)
    assert first.status_code == 201, first.text
    created = first.json()
    chars = {
        c["name"]: c["value"]
        for c in created["productOrderItem"][0]["product"]["productCharacteristic"]
    }
    assert chars["routerModel"] == "hx-700"
    assert any(n["author"] == "rule:paris-router" for n in created["note"])

    replay = await http.post(ORDERS, json=body, headers=key)
    assert replay.status_code == 201 and replay.json()["id"] == created["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"

    other_channel = fiber_order(address, customer, "call-center")
    refused = await http.post(
        ORDERS, json=other_channel, headers={"Idempotency-Key": "x" + key["Idempotency-Key"]}
    )
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["code"] == "DuplicateOrder" and created["id"] in error["reason"]

    # Another address of the same customer is no duplicate.
    elsewhere = fiber_order(address.replace("Paix", "Lune"), customer, "call-center")
    assert (await http.post(ORDERS, json=elsewhere)).status_code == 201

    # Once the first order is cancelled, the same line may be ordered again.
    cancel = await http.post(
        CANCEL, json={"productOrder": {"id": created["id"]}, "cancellationReason": "duplicate"}
    )
    assert cancel.status_code == 201, cancel.text
    closed = await wait_for_state(http, created["id"], timeout=60)
    assert closed["state"] == "cancelled"
    again = await http.post(ORDERS, json=other_channel)
    assert again.status_code == 201, again.text
