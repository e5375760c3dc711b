"""The TMF620 read API over the sample catalog: what a TMF client needs to build a valid order.

Expectations come from the catalog files themselves, so the tests hold as the catalog grows.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import catalog_documents
from api.errors import install_error_handlers
from api.identity import Authenticate
from api.routers import product_catalog
from config.settings import Settings, get_settings
from decomposition.catalog import CatalogVersion
from store import catalogs
from store.catalog_files import load_catalog_repository
from tests.auth import broad_headers

BASE = "/tmf-api/productCatalogManagement/v4"


@pytest.fixture(scope="module")
def catalog() -> CatalogVersion:
    return load_catalog_repository(get_settings().catalog_dir).latest


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    app = FastAPI()
    app.add_middleware(Authenticate)  # as in api/app.py: the routes need a caller
    install_error_handlers(app)
    app.include_router(product_catalog.router)
    with TestClient(app, headers=broad_headers()) as client:
        yield client


def _get(api: TestClient, path: str, **params: Any) -> Any:
    response = api.get(f"{BASE}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_offering_names_what_an_order_needs(api: TestClient, catalog: CatalogVersion) -> None:
    response = api.get(f"{BASE}/productOffering")
    offerings = response.json()

    assert response.headers["X-Total-Count"] == str(len(catalog.offerings))
    assert [o["id"] for o in offerings] == [o.id for o in catalog.offerings]
    for offering, source in zip(offerings, catalog.offerings, strict=True):
        assert offering["name"] == source.name
        assert offering["href"].endswith(f"{BASE}/productOffering/{source.id}")
        assert offering["lifecycleStatus"] == "Launched"
        assert offering["version"] == catalog.version
        assert {c["id"] for c in offering["channel"]} == {c.value for c in source.channels}
        spec = offering.get("productSpecification")
        assert (spec["id"] if spec else None) == source.product_specification
        assert offering["isBundle"] == source.is_bundle
        # Every reference resolves to a resource of the same API.
        for ref in offering["productOfferingPrice"]:
            assert _get(api, f"productOfferingPrice/{ref['id']}")["name"] == ref["name"]
        for child in offering["bundledProductOffering"]:
            assert _get(api, f"productOffering/{child['id']}")["id"] == child["id"]
        if spec:
            assert _get(api, f"productSpecification/{spec['id']}")["name"] == spec["name"]


def test_a_bundle_lists_its_children(api: TestClient, catalog: CatalogVersion) -> None:
    bundle = next(o for o in catalog.offerings if o.is_bundle)
    offering = _get(api, f"productOffering/{bundle.id}")
    assert [c["id"] for c in offering["bundledProductOffering"]] == [
        b.offering for b in bundle.bundled
    ]


def test_specification_characteristics_carry_type_cardinality_and_values(
    api: TestClient, catalog: CatalogVersion
) -> None:
    for source in catalog.product_specifications:
        spec = _get(api, f"productSpecification/{source.id}")
        chars = {c["name"]: c for c in spec["productSpecCharacteristic"]}
        assert list(chars) == [c.name for c in source.characteristics]
        for char in source.characteristics:
            shown = chars[char.name]
            assert shown["valueType"] == char.value_type.value
            assert shown["minCardinality"] == (
                1 if char.required or char.required_for_decomposition else 0
            )
            assert shown["maxCardinality"] == 1
            values = shown["productSpecCharacteristicValue"]
            if char.allowed_values:
                assert [v["value"] for v in values] == char.allowed_values
                assert [v["isDefault"] for v in values] == [
                    v == char.default for v in char.allowed_values
                ]


def test_filters_select_offerings(api: TestClient, catalog: CatalogVersion) -> None:
    def ids(**params: str) -> list[str]:
        return [o["id"] for o in _get(api, "productOffering", **params)]

    partner = [o.id for o in catalog.offerings if "partner" in {c.value for c in o.channels}]
    bundles = [o.id for o in catalog.offerings if o.is_bundle]
    first = catalog.offerings[0]

    assert ids(**{"channel.id": "partner"}) == partner
    assert 0 < len(partner) < len(catalog.offerings)
    assert ids(isBundle="true") == bundles
    assert ids(isBundle="false") == [o.id for o in catalog.offerings if not o.is_bundle]
    assert ids(name=first.name) == [first.id]
    assert ids(id=first.id, lifecycleStatus="Launched") == [first.id]
    assert ids(lifecycleStatus="Retired") == []
    assert ids(**{"productSpecification.id": "no-such-spec"}) == []


def test_filters_select_specifications_and_prices(api: TestClient, catalog: CatalogVersion) -> None:
    spec = catalog.product_specifications[0]
    recurring = [
        p.id for o in catalog.offerings for p in o.prices if p.price_type.value == "recurring"
    ]

    by_name = _get(api, "productSpecification", name=spec.name)
    prices = _get(api, "productOfferingPrice", priceType="recurring")

    assert [s["id"] for s in by_name] == [spec.id]
    assert [p["id"] for p in prices] == recurring
    assert all(p["recurringChargePeriodType"] for p in prices)


def test_paging_fields_and_count_headers(api: TestClient, catalog: CatalogVersion) -> None:
    total = len(catalog.offerings)
    first = api.get(f"{BASE}/productOffering", params={"limit": 2, "fields": "name"})
    rest = api.get(f"{BASE}/productOffering", params={"offset": 2, "limit": 1000})

    assert (first.headers["X-Total-Count"], first.headers["X-Result-Count"]) == (str(total), "2")
    assert rest.headers["X-Result-Count"] == str(total - 2)
    assert [set(o) for o in first.json()] == [{"id", "href", "name"}] * 2
    assert [o["id"] for o in first.json() + rest.json()] == [o.id for o in catalog.offerings]


def test_errors_in_tmf_shape(api: TestClient) -> None:
    missing = api.get(f"{BASE}/productSpecification/no-such-spec")
    unknown_filter = api.get(f"{BASE}/productOffering", params={"color": "blue"})
    unknown_version = api.get(f"{BASE}/productOffering", params={"version": "1999.1"})

    assert (missing.status_code, missing.json()["code"]) == (404, "NotFound")
    assert (unknown_filter.status_code, unknown_filter.json()["code"]) == (
        400,
        "UnsupportedFilter",
    )
    assert unknown_version.status_code == 400
    assert "1999.1" in unknown_version.json()["reason"]


def test_version_selects_another_catalog_version(
    api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: CatalogVersion
) -> None:
    # Two versions: the newer renames the first offering.
    source = Path(get_settings().catalog_dir) / catalog.version
    old, new = "1.0", "1.1"
    shutil.copytree(source, tmp_path / old)
    shutil.copytree(source, tmp_path / new)
    first = catalog.offerings[0]
    renamed = 0
    for path in (tmp_path / new).glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if f"id: {first.id}\n    name: {first.name}\n" in text:
            path.write_text(text.replace(f"name: {first.name}\n", "name: Renamed\n", 1))
            renamed += 1
    assert renamed == 1, "the sample catalog's layout changed: adapt this test"
    settings: Settings = get_settings().model_copy(update={"catalog_dir": str(tmp_path)})
    # The routes take their settings through the dependency; the catalog readers call it.
    app = api.app
    assert isinstance(app, FastAPI)
    overrides: dict[Any, Any] = app.dependency_overrides
    monkeypatch.setitem(overrides, get_settings, lambda: settings)
    monkeypatch.setattr(catalog_documents, "get_settings", lambda: settings)
    monkeypatch.setattr(catalogs, "get_settings", lambda: settings)

    latest = _get(api, f"productOffering/{first.id}")
    older = _get(api, f"productOffering/{first.id}", version=old)
    listed = _get(api, "productOffering", version=old, id=first.id)

    assert (latest["name"], latest["version"]) == ("Renamed", new)
    assert (older["name"], older["version"]) == (first.name, old)
    assert [o["name"] for o in listed] == [first.name]
