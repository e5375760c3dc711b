"""The process admin's catalog: an offering drafted, refused while invalid, published, ordered,
then retired (new orders refused, existing products still disconnect); every change audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.auth import bearer
from tests.catalog_admin.support import reset_catalog_management
from tests.helpers import ORDERS, wait_for_state

CATALOG = "/tmf-api/productCatalogManagement/v4"
INVENTORY = "/tmf-api/productInventory/v4/product"
# A process admin's token: the audit names its subject.
ADMIN = bearer("process-admin", "process-admin-ada")
PATCH = {**ADMIN, "content-type": "application/merge-patch+json"}


def _task(key: str, operation: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"{operation} in inventory",
        "kind": "automated",
        "system": "product_inventory",
        "operation": operation,
        "expectedDurationSeconds": 1,
        "assetization": True,
    }


SPEC = {
    "name": "Static IP",
    "productSpecCharacteristic": [
        {
            "name": "ipCount",
            "valueType": "integer",
            "minCardinality": 1,
            "productSpecCharacteristicValue": [{"value": 1}, {"value": 4}],
        }
    ],
    # Tessera extension: how it is fulfilled (here, only recorded in inventory).
    "tasks": {"add": [_task("assetize", "assetize")], "delete": [_task("gone", "deassetize")]},
}


@pytest.fixture
def clean_catalog() -> Iterator[None]:
    reset_catalog_management()
    yield
    reset_catalog_management()


def _order(customer: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "channel": [{"id": "web", "name": "web"}],
        "relatedParty": [{"id": customer, "@referredType": "Individual", "role": "customer"}],
        "productOrderItem": [item],
    }


async def _publish(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/ops/v1/catalog/draft/publish", headers=ADMIN)


async def move(http: httpx.AsyncClient, path: str, *statuses: str) -> None:
    """Through the lifecycle, one move at a time (each is checked)."""
    for status in statuses:
        moved = await http.patch(path, json={"lifecycleStatus": status}, headers=PATCH)
        assert moved.status_code == 200, moved.text
        assert moved.json()["lifecycleStatus"] == status


async def test_offering_lifecycle_from_draft_to_retired(
    http: httpx.AsyncClient, clean_catalog: None
) -> None:
    spec = await http.post(f"{CATALOG}/productSpecification", json=SPEC, headers=ADMIN)
    assert spec.status_code == 201, spec.text
    spec_id = spec.json()["id"]
    assert spec.json()["lifecycleStatus"] == "In design" and spec.json()["lastUpdate"]
    offering = await http.post(
        f"{CATALOG}/productOffering",
        json={
            "name": "Static IP add-on",
            "channel": [{"id": "web"}],
            "productSpecification": {"id": "no-such-spec"},
        },
        headers=ADMIN,
    )
    assert offering.status_code == 201, offering.text
    offering_id = offering.json()["id"]
    assert offering.json()["lifecycleStatus"] == "In design"
    # Visible to its author while in the draft, not orderable: it is in no published version.
    assert (
        await http.get(f"{CATALOG}/productOffering/{offering_id}", headers=ADMIN)
    ).status_code == 200
    # Launched only after it was tested.
    early = await http.patch(
        f"{CATALOG}/productOffering/{offering_id}",
        json={"lifecycleStatus": "Launched"},
        headers=PATCH,
    )
    assert (early.status_code, early.json()["code"]) == (409, "InvalidLifecycleTransition")
    await move(http, f"{CATALOG}/productOffering/{offering_id}", "In test", "Launched")

    refused = await _publish(http)
    assert refused.status_code == 409
    assert any("no-such-spec" in p for p in refused.json()["problems"])

    fixed = await http.patch(
        f"{CATALOG}/productOffering/{offering_id}",
        json={"productSpecification": {"id": spec_id}},
        headers=PATCH,
    )
    assert fixed.status_code == 200, fixed.text
    # A launched offering needs its specification in use.
    status = (await http.get("/ops/v1/catalog/draft", headers=ADMIN)).json()
    assert status["problems"] == [
        f"offering '{offering_id}' is Launched but specification '{spec_id}' it is fulfilled "
        "by is In design"
    ]
    await move(http, f"{CATALOG}/productSpecification/{spec_id}", "In test", "Active")
    assert (await http.get("/ops/v1/catalog/draft", headers=ADMIN)).json()["valid"] is True
    published = await _publish(http)
    assert published.status_code == 200, published.text
    version = published.json()["version"]
    assert version == "2026.2"

    # Ordered on the new version; a TMF620 client sees it launched.
    shown = (await http.get(f"{CATALOG}/productOffering/{offering_id}")).json()
    assert (shown["lifecycleStatus"], shown["version"]) == ("Launched", version)
    customer = f"static-ip-{uuid.uuid4().hex[:6]}"
    item = {
        "id": "1",
        "action": "add",
        "productOffering": {"id": offering_id},
        "product": {"productCharacteristic": [{"name": "ipCount", "value": 4}]},
    }
    created = await http.post(ORDERS, json=_order(customer, item))
    order = await wait_for_state(http, created.json()["id"], timeout=60)
    assert (order["state"], order["catalogVersion"]) == ("completed", version), order
    [product] = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()

    # A published offering is retired, not deleted.
    deleted = await http.delete(f"{CATALOG}/productOffering/{offering_id}", headers=ADMIN)
    assert (deleted.status_code, deleted.json()["code"]) == (409, "Published")
    retired = await http.patch(
        f"{CATALOG}/productOffering/{offering_id}",
        json={"lifecycleStatus": "Retired"},
        headers=PATCH,
    )
    assert retired.status_code == 200
    back = await http.patch(
        f"{CATALOG}/productOffering/{offering_id}",
        json={"lifecycleStatus": "In design"},
        headers=PATCH,
    )
    assert (back.status_code, back.json()["code"]) == (409, "InvalidLifecycleTransition")
    assert (await _publish(http)).json()["version"] == "2026.3"

    again = await http.post(ORDERS, json=_order(f"{customer}-2", item))
    rejected = await wait_for_state(http, again.json()["id"], timeout=60)
    assert rejected["state"] == "rejected"
    assert "can no longer be ordered" in rejected["errorMessage"][0]["reason"]

    # The product sold before still disconnects.
    disconnect = {"id": "1", "action": "delete", "product": {"id": product["id"]}}
    gone = await http.post(ORDERS, json=_order(customer, disconnect))
    done = await wait_for_state(http, gone.json()["id"], timeout=60)
    assert done["state"] == "completed", done.get("errorMessage")
    terminated = (await http.get(f"{INVENTORY}/{product['id']}")).json()
    assert terminated["status"] == "terminated"

    audit = (await http.get("/ops/v1/catalog/audit")).json()
    actions = [(a["action"], a["resource"]) for a in reversed(audit)]
    assert actions[:4] == [
        ("create", "productSpecification"),
        ("create", "productOffering"),
        ("update", "productOffering"),
        ("update", "productOffering"),
    ]
    assert ("publish", "catalog") in actions
    assert {a["actor"] for a in audit} == {"process-admin-ada"}
    assert audit[-1]["change"]["name"] == "Static IP"


async def test_draft_only_entities_can_be_deleted_and_bad_bodies_are_refused(
    http: httpx.AsyncClient, clean_catalog: None
) -> None:
    price = await http.post(
        f"{CATALOG}/productOfferingPrice",
        json={"name": "Setup", "priceType": "oneTime", "price": {"unit": "EUR", "value": 5}},
        headers=ADMIN,
    )
    assert price.status_code == 201, price.text
    price_id = price.json()["id"]
    listed = (
        await http.get(f"{CATALOG}/productOfferingPrice", params={"id": price_id}, headers=ADMIN)
    ).json()
    assert [p["price"]["value"] for p in listed] == [5]
    deleted = await http.delete(f"{CATALOG}/productOfferingPrice/{price_id}", headers=ADMIN)
    assert deleted.status_code == 204
    gone = await http.get(f"{CATALOG}/productOfferingPrice/{price_id}", headers=ADMIN)
    assert gone.status_code == 404

    nameless = await http.post(f"{CATALOG}/category", json={"description": "x"})
    assert nameless.status_code == 422
    unknown = await http.patch(
        f"{CATALOG}/productOffering/nothing-here",
        json={"name": "x"},
        headers={"content-type": "application/merge-patch+json"},
    )
    assert unknown.status_code == 404
    bad_type = await http.post(
        f"{CATALOG}/productSpecification",
        json={"name": "Bad", "productSpecCharacteristic": [{"name": "x", "valueType": "colour"}]},
    )
    assert bad_type.status_code == 422
