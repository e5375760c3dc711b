"""Catalog management in depth: the lifecycle on every entity, discounts on their own, service
and resource specifications over TMF633/634, one draft per process admin, the draft catalog's
own lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.auth import bearer
from tests.catalog_admin.support import reset_catalog_management
from tests.catalog_admin.test_catalog_lifecycle import ADMIN, CATALOG, PATCH, move
from tests.sample_orders import sample_order

SERVICES = "/tmf-api/serviceCatalogManagement/v4/serviceSpecification"
RESOURCES = "/tmf-api/resourceCatalogManagement/v4/resourceSpecification"
PREVIEW = "/ops/v1/plan-preview"
DRAFT = "/ops/v1/catalog/draft"
# A second process admin, with a draft of their own.
BEA = bearer("process-admin", "process-admin-bea")
BEA_PATCH = {**BEA, "content-type": "application/merge-patch+json"}


@pytest.fixture(autouse=True)
def clean_catalog() -> Iterator[None]:
    reset_catalog_management()
    yield
    reset_catalog_management()


async def _create(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    created = await http.post(path, json=body, headers=headers)
    assert created.status_code == 201, created.text
    document: dict[str, Any] = created.json()
    assert document["lifecycleStatus"] == "In design"
    return document


async def _refused_move(http: httpx.AsyncClient, path: str, status: str) -> str:
    moved = await http.patch(path, json={"lifecycleStatus": status}, headers=PATCH)
    assert (moved.status_code, moved.json()["code"]) == (409, "InvalidLifecycleTransition")
    return str(moved.json()["reason"])


async def test_every_catalog_entity_moves_through_its_lifecycle(http: httpx.AsyncClient) -> None:
    entities: dict[str, dict[str, Any]] = {
        f"{CATALOG}/productSpecification": {"name": "Spec L"},
        f"{CATALOG}/productOfferingPrice": {"name": "Fee L", "price": {"value": 3}},
        f"{CATALOG}/category": {"name": "Category L"},
        SERVICES: {"name": "Service L", "@type": "CustomerFacingServiceSpecification"},
        RESOURCES: {"name": "Resource L"},
    }
    for path, body in entities.items():
        born_active = await http.post(
            path, json={**body, "lifecycleStatus": "Active"}, headers=ADMIN
        )
        assert born_active.status_code == 409, path
        entity = await _create(http, path, body)
        at = f"{path}/{entity['id']}"
        assert "In test" in await _refused_move(http, at, "Active")
        await move(http, at, "In test", "In design", "In test", "Active")
        assert "it may become Retired (" in await _refused_move(http, at, "In design")
        # Only an offering is Launched.
        assert "only a productOffering" in await _refused_move(http, at, "Launched")
        await move(http, at, "Retired", "Obsolete")
        await _refused_move(http, at, "Active")
    # A published one (from the YAML catalog) moves the same way and is never deleted.
    await move(http, f"{CATALOG}/category/tv", "Retired")
    deleted = await http.delete(f"{CATALOG}/category/tv", headers=ADMIN)
    assert (deleted.status_code, deleted.json()["code"]) == (409, "Published")


async def test_a_launched_offering_needs_what_it_uses_in_use(http: httpx.AsyncClient) -> None:
    # Retire the router's resource specification: fiber broadband, launched, is fulfilled by it.
    await move(http, f"{RESOURCES}/router", "Retired")
    status = (await http.get(DRAFT, headers=ADMIN)).json()
    assert not status["valid"]
    assert (
        "offering 'fiber-broadband' is Launched but specification 'router' it is fulfilled by "
        "is Retired"
    ) in status["problems"]
    refused = await http.post(f"{DRAFT}/publish", headers=ADMIN)
    assert refused.status_code == 409


def _discounts(preview: dict[str, Any], item_id: str) -> list[tuple[str, float, float]]:
    """(name, percentage, share of the charge taken off) of each discount on the item."""
    found = []
    for price in preview["itemPrice"][item_id]:
        total = price["price"]["taxIncludedAmount"]["value"]
        for alteration in price.get("priceAlteration") or []:
            off = -alteration["price"]["taxIncludedAmount"]["value"]
            share = round(off / (total + off), 2)
            found.append((alteration["name"], alteration["price"]["percentage"], share))
    return found


async def test_a_discount_is_created_edited_attached_and_granted_once_active(
    http: httpx.AsyncClient,
) -> None:
    discount = await _create(
        http,
        f"{CATALOG}/productOfferingPrice",
        {
            "name": "Spring IPTV offer",
            "priceType": "discount",
            "percentage": 10,
            "recurringChargePeriodType": "month",
        },
    )
    at = f"{CATALOG}/productOfferingPrice/{discount['id']}"
    assert (discount["priceType"], discount["percentage"]) == ("discount", 10)
    assert discount["recurringChargePeriodType"] == "month"
    edited = await http.patch(at, json={"percentage": 20}, headers=PATCH)
    assert (edited.status_code, edited.json()["percentage"]) == (200, 20), edited.text
    to_price = await http.patch(at, json={"priceType": "oneTime"}, headers=PATCH)
    assert (to_price.status_code, to_price.json()["code"]) == (400, "NonPatchableField")
    attached = await http.patch(
        f"{CATALOG}/productOffering/iptv",
        json={
            "productOfferingPrice": [
                *(await http.get(f"{CATALOG}/productOffering/iptv", headers=ADMIN)).json()[
                    "productOfferingPrice"
                ],
                {"id": discount["id"]},
            ]
        },
        headers=PATCH,
    )
    assert attached.status_code == 200, attached.text
    assert discount["id"] in [p["id"] for p in attached.json()["productOfferingPrice"]]

    async def preview_discounts() -> list[tuple[str, float, float]]:
        # The draft is validated and published each time: what a new order gets.
        published = await http.post(f"{DRAFT}/publish", headers=ADMIN)
        assert published.status_code == 200, published.text
        # Fiber (item 1) and IPTV relying on it (item 2).
        preview = await http.post(PREVIEW, json=sample_order("iptv"))
        assert preview.status_code == 200, preview.text
        return _discounts(preview.json(), "2")

    # In design: published with the offering, but granted to no order yet.
    assert await preview_discounts() == []
    await move(http, at, "In test", "Active")
    assert await preview_discounts() == [("Spring IPTV offer", 20, 0.2)]
    await move(http, at, "Retired")
    assert await preview_discounts() == []


async def test_service_and_resource_specifications_are_edited_and_validated_with_the_draft(
    http: httpx.AsyncClient,
) -> None:
    rfs = await _create(
        http,
        SERVICES,
        {
            "name": "Static IP address",
            "@type": "ResourceFacingServiceSpecification",
            "serviceSpecCharacteristic": [{"name": "count", "valueType": "integer"}],
            "resourceSpecification": [{"id": "ip-block"}],
        },
    )
    assert rfs["@type"] == "ResourceFacingServiceSpecification"
    # The draft names a resource specification that does not exist: not publishable.
    problems = (await http.get(DRAFT, headers=ADMIN)).json()["problems"]
    assert any("'ip-block': target is not defined" in p for p in problems), problems
    block = await _create(
        http,
        RESOURCES,
        {
            "name": "IP block",
            "resourceSpecCharacteristic": [{"name": "size", "valueType": "integer"}],
        },
    )
    fixed = await http.patch(
        f"{SERVICES}/{rfs['id']}",
        json={"resourceSpecification": [{"id": block["id"]}]},
        headers=PATCH,
    )
    assert fixed.status_code == 200, fixed.text
    assert [r["id"] for r in fixed.json()["resourceSpecification"]] == [block["id"]]
    # Renaming a requirement over TMF633 keeps what TMF cannot say (its mapping).
    cfs = await http.patch(
        f"{SERVICES}/cfs-internet-access",
        json={
            "serviceSpecRelationship": [
                {"id": "rfs-ftth-access"},
                {"id": "rfs-dsl-access"},
                {"id": "rfs-home-gateway"},
            ]
        },
        headers=PATCH,
    )
    assert cfs.status_code == 200, cfs.text
    assert (await http.get(DRAFT, headers=ADMIN)).json()["problems"] == []
    published = await http.post(f"{DRAFT}/publish", headers=ADMIN)
    assert published.status_code == 200, published.text
    shown = await http.get(f"{RESOURCES}/{block['id']}")
    assert (shown.status_code, shown.json()["lifecycleStatus"]) == (200, "In design")
    # Fiber still plans with the attribute mappings kept.
    preview = await http.post(PREVIEW, json=sample_order("fiber-broadband"))
    assert preview.status_code == 200, preview.text


async def test_two_admins_have_drafts_of_their_own(http: httpx.AsyncClient) -> None:
    ada = await _create(http, f"{CATALOG}/category", {"name": "Ada's category"})
    bea = await _create(http, f"{CATALOG}/category", {"name": "Bea's category"}, headers=BEA)
    # Each sees their own draft's entities, not the other's.
    mine = await http.get(f"{CATALOG}/category", params={"version": "draft"}, headers=ADMIN)
    assert ada["id"] in {c["id"] for c in mine.json()}
    assert bea["id"] not in {c["id"] for c in mine.json()}
    hidden = await http.get(f"{CATALOG}/category/{bea['id']}", headers=ADMIN)
    assert hidden.status_code == 404
    # Both change one published category, differently; Bea also renames another.
    await http.patch(f"{CATALOG}/category/tv", json={"name": "Television"}, headers=PATCH)
    await http.patch(f"{CATALOG}/category/tv", json={"name": "TV & video"}, headers=BEA_PATCH)
    await http.patch(
        f"{CATALOG}/category/mobile", json={"name": "Mobile phones"}, headers=BEA_PATCH
    )

    first = await http.post(f"{DRAFT}/publish", headers=ADMIN)
    assert first.status_code == 200, first.text
    # Bea's draft is carried onto Ada's version: only the category both changed conflicts.
    status = (await http.get(DRAFT, headers=BEA)).json()
    assert (status["baseVersion"], status["latestVersion"]) == ("2026.1", first.json()["version"])
    assert status["problems"] == [
        f"categories 'tv' changed both in this draft and in version {first.json()['version']}: "
        "discard the draft, or change it back, and start again"
    ]
    await http.patch(f"{CATALOG}/category/tv", json={"name": "TV"}, headers=BEA_PATCH)
    second = await http.post(f"{DRAFT}/publish", headers=BEA)
    assert second.status_code == 200, second.text
    names = {
        c["id"]: c["name"] for c in (await http.get(f"{CATALOG}/category", headers=BEA)).json()
    }
    # Ada's changes survive Bea's publication, and Bea's own are in.
    assert (names["tv"], names["mobile"]) == ("Television", "Mobile phones")
    assert {ada["id"], bea["id"]} <= set(names)


async def test_the_draft_catalog_is_tested_then_launched(http: httpx.AsyncClient) -> None:
    await _create(http, f"{CATALOG}/category", {"name": "Gaming"})
    draft = f"{CATALOG}/catalog/draft"
    launched_early = await http.patch(draft, json={"lifecycleStatus": "Launched"}, headers=PATCH)
    assert launched_early.status_code == 409
    tested = await http.patch(draft, json={"lifecycleStatus": "In test"}, headers=PATCH)
    assert (tested.status_code, tested.json()["lifecycleStatus"]) == (200, "In test")
    frozen = await http.post(f"{CATALOG}/category", json={"name": "More"}, headers=ADMIN)
    assert (frozen.status_code, frozen.json()["code"]) == (409, "DraftInTest")
    published = await http.patch(draft, json={"lifecycleStatus": "Launched"}, headers=PATCH)
    assert published.status_code == 200, published.text
    catalogs = (await http.get(f"{CATALOG}/catalog")).json()
    version = published.json()["version"]
    assert {(c["id"], c["lifecycleStatus"]) for c in catalogs} >= {(version, "Launched")}
    old = await http.patch(f"{CATALOG}/catalog/2026.1", json={"name": "x"}, headers=PATCH)
    assert (old.status_code, old.json()["code"]) == (409, "Published")


async def test_an_offering_in_test_says_what_would_stop_its_launch(http: httpx.AsyncClient) -> None:
    spec = await _create(http, f"{CATALOG}/productSpecification", {"name": "Spec T"})
    offering = await _create(
        http,
        f"{CATALOG}/productOffering",
        {"name": "Offer T", "channel": [{"id": "web"}], "productSpecification": {"id": spec["id"]}},
    )
    await move(http, f"{CATALOG}/productOffering/{offering['id']}", "In test")
    status = (await http.get(DRAFT, headers=ADMIN)).json()
    # Being tested, it does not block the publication; what its launch would need is listed.
    assert status["valid"] is True, status["problems"]
    assert (
        f"offering '{offering['id']}' is Launched but specification '{spec['id']}' it is "
        "fulfilled by is In design"
    ) in status["inTestProblems"]
    assert any("no add tasks" in p for p in status["inTestProblems"])
