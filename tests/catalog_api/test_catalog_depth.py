"""What TMF620 (and TMF633/634) say beyond offerings: relationships, prices in full,
categories, catalogs, service and resource specifications; checked against the TMF620 spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from api.identity import Authenticate
from api.routers import product_catalog
from tests.auth import broad_headers
from tests.tmf_spec import spec_problems

BASE = "/tmf-api/productCatalogManagement/v4"
SERVICES = "/tmf-api/serviceCatalogManagement/v4/serviceSpecification"
RESOURCES = "/tmf-api/resourceCatalogManagement/v4/resourceSpecification"
TMF620 = "TMF620_ProductCatalog_v4.1.0.swagger.json"


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    app = FastAPI()
    app.add_middleware(Authenticate)  # as in api/app.py: the routes need a caller
    install_error_handlers(app)
    app.include_router(product_catalog.router)
    app.include_router(product_catalog.service_catalog_router)
    app.include_router(product_catalog.resource_catalog_router)
    with TestClient(app, headers=broad_headers()) as client:
        yield client


def _get(api: TestClient, path: str, **params: Any) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_iptv_names_the_broadband_offerings_it_relies_on(api: TestClient) -> None:
    iptv = _get(api, f"{BASE}/productOffering/iptv")
    assert {(r["id"], r["relationshipType"]) for r in iptv["productOfferingRelationship"]} == {
        ("fiber-broadband", "reliesOn"),
        ("dsl-broadband", "reliesOn"),
    }
    spec = _get(api, f"{BASE}/productSpecification/iptv")
    assert [(r["id"], r["relationshipType"]) for r in spec["productSpecificationRelationship"]] == [
        ("broadband", "reliesOn")
    ]
    # A bundle's specification names its parts' specifications.
    triple = _get(api, f"{BASE}/productSpecification/triple-play")
    assert {s["id"] for s in triple["bundledProductSpecification"]} == {
        "broadband",
        "iptv",
        "mobile",
    }


def test_conditionally_required_characteristics_name_what_they_depend_on(api: TestClient) -> None:
    mobile = _get(api, f"{BASE}/productSpecification/mobile")
    chars = {c["name"]: c for c in mobile["productSpecCharacteristic"]}
    for name in ("msisdnToPort", "donorOperator", "portingPin"):
        assert chars[name]["minCardinality"] == 0
        assert chars[name]["productSpecCharRelationship"] == [
            {"name": "numberPortIn", "relationshipType": "dependsOn"}
        ]
        assert "numberPortIn == true" in chars[name]["description"]
    assert chars["deliveryAddress"]["productSpecCharRelationship"][0]["name"] == "simType"


def test_prices_in_full(api: TestClient) -> None:
    fee = _get(api, f"{BASE}/productOfferingPrice/fiber-broadband-500")
    assert fee["priceType"] == "recurring"
    assert (fee["recurringChargePeriodType"], fee["recurringChargePeriodLength"]) == ("month", 1)
    assert fee["price"] == {"unit": "EUR", "value": 39.99}
    assert [
        (u["name"], [v["value"] for v in u["productSpecCharacteristicValue"]])
        for u in fee["prodSpecCharValueUse"]
    ] == [("downloadSpeed", [500])]
    per_site = _get(api, f"{BASE}/productOfferingPrice/sdwan-site-setup")
    assert per_site["unitOfMeasure"] == {"amount": 1, "units": "siteCount"}
    online = _get(api, f"{BASE}/productOfferingPrice/handset-online")
    assert online["priceType"] == "discount"
    assert online["percentage"] == 5
    assert {c["id"] for c in online["channel"]} == {"web", "app"}


def test_categories_and_catalogs(api: TestClient) -> None:
    internet = _get(api, f"{BASE}/category/internet")
    assert {o["id"] for o in internet["productOffering"]} == {"fiber-broadband", "dsl-broadband"}
    assert (internet["isRoot"], internet["parentId"]) == (False, "residential")
    roots = _get(api, f"{BASE}/category", isRoot="true")
    assert {c["id"] for c in roots} == {"residential", "business"}
    residential = next(c for c in roots if c["id"] == "residential")
    assert "internet" in {c["id"] for c in residential["subCategory"]}
    offering = _get(api, f"{BASE}/productOffering/iptv")
    assert [c["id"] for c in offering["category"]] == ["tv"]
    catalogs = _get(api, f"{BASE}/catalog")
    assert [(c["id"], c["lifecycleStatus"]) for c in catalogs] == [("2026.1", "Launched")]
    assert {c["id"] for c in catalogs[0]["category"]} == {"residential", "business"}


def test_service_and_resource_specifications_with_their_relationships(api: TestClient) -> None:
    cfs = _get(api, f"{SERVICES}/cfs-internet-access")
    assert cfs["@type"] == "CustomerFacingServiceSpecification"
    assert {r["id"] for r in cfs["serviceSpecRelationship"]} >= {"rfs-home-gateway"}
    assert all(r["relationshipType"] == "requires" for r in cfs["serviceSpecRelationship"])
    gateway = _get(api, f"{SERVICES}/rfs-home-gateway")
    assert [r["id"] for r in gateway["resourceSpecification"]] == ["router"]
    router = _get(api, f"{RESOURCES}/router")
    assert router["usedBy"][0]["id"] == "rfs-home-gateway"
    assert router["href"].endswith(f"{RESOURCES}/router")
    rfs = _get(api, SERVICES, **{"@type": "ResourceFacingServiceSpecification"})
    assert rfs and all(s["@type"] == "ResourceFacingServiceSpecification" for s in rfs)
    assert api.get(f"{RESOURCES}/no-such-thing").status_code == 404


@pytest.mark.parametrize(
    ("resource", "definition", "extensions"),
    [
        ("productOffering", "ProductOffering", set()),
        ("productSpecification", "ProductSpecification", set()),
        ("productOfferingPrice", "ProductOfferingPrice", {"channel"}),
        ("category", "Category", set()),
        ("catalog", "Catalog", set()),
    ],
)
def test_resources_match_the_tmf620_specification(
    api: TestClient, resource: str, definition: str, extensions: set[str]
) -> None:
    for document in _get(api, f"{BASE}/{resource}"):
        standard = {k: v for k, v in document.items() if k not in extensions}
        assert spec_problems(standard, TMF620, definition) == [], document["id"]
