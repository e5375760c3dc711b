"""The TMF637 API: create, retrieve, list with fields, filters, paging and count headers.

The router runs in an app of its own here (error handlers and this router only), over the
test database; the CTK test exercises it in the full API.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from api.identity import Authenticate
from api.routers import product_inventory
from tests.auth import broad_headers
from tests.inventory.support import new_id, product_body, request, run_assetize

PRODUCTS = "/tmf-api/productInventory/v4/product"


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    app = FastAPI()
    app.add_middleware(Authenticate)  # as in api/app.py: the routes need a caller
    install_error_handlers(app)
    app.include_router(product_inventory.router)
    with TestClient(app, headers=broad_headers()) as client:
        yield client


def _create(api: TestClient, customer: str, **extra: Any) -> dict[str, Any]:
    body = {**product_body(customer, new_id("ord")), "status": "active", **extra}
    response = api.post(PRODUCTS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_post_creates_a_product_that_get_returns(api: TestClient) -> None:
    customer = new_id("cust")
    created = _create(api, customer, billingAccount={"id": "ba-1"})

    fetched = api.get(f"{PRODUCTS}/{created['id']}")

    assert created["href"].endswith(f"{PRODUCTS}/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert created["relatedParty"][0]["id"] == customer
    assert created["billingAccount"] == {"id": "ba-1"}


def test_post_answers_with_location(api: TestClient) -> None:
    response = api.post(PRODUCTS, json={"status": "active", "name": "Handset"})
    assert response.status_code == 201
    assert response.headers["Location"] == response.json()["href"]


def test_every_product_carries_the_attributes_tmf637_clients_expect(api: TestClient) -> None:
    # The kit reads these as mandatory, even empty: a product with no billing account has null.
    created = _create(api, new_id("cust"))
    assetized = run_assetize(request(new_id("ord"), "add", {"name": "Bare"})).reference

    for product_id in (created["id"], assetized):
        product = api.get(f"{PRODUCTS}/{product_id}").json()
        assert {
            "billingAccount",
            "href",
            "id",
            "productCharacteristic",
            "productOffering",
            "productPrice",
            "relatedParty",
            "status",
        } <= set(product)


def test_server_owned_fields_and_invalid_bodies_are_refused(api: TestClient) -> None:
    with_id = api.post(PRODUCTS, json={"id": "mine", "status": "active"})
    without_status = api.post(PRODUCTS, json={"name": "x"})
    bad_status = api.post(PRODUCTS, json={"status": "sold"})

    assert (with_id.status_code, with_id.json()["code"]) == (400, "ReadOnlyField")
    assert (without_status.status_code, without_status.json()["code"]) == (422, "InvalidBody")
    assert "status" in without_status.json()["reason"]
    assert bad_status.status_code == 422


def test_unknown_product_is_404_in_tmf_shape(api: TestClient) -> None:
    response = api.get(f"{PRODUCTS}/no-such-product")
    assert response.status_code == 404
    body = response.json()
    assert (body["code"], body["status"], body["@type"]) == ("NotFound", "404", "Error")


def test_list_by_party_pages_newest_first_with_counts(api: TestClient) -> None:
    customer = new_id("cust")
    created = [_create(api, customer) for _ in range(5)]
    newest_first = [p["id"] for p in reversed(created)]

    pages = [
        api.get(PRODUCTS, params={"relatedParty.id": customer, "limit": 2, "offset": offset})
        for offset in (0, 2, 4)
    ]

    assert [p.headers["X-Total-Count"] for p in pages] == ["5", "5", "5"]
    assert [p.headers["X-Result-Count"] for p in pages] == ["2", "2", "1"]
    assert [p["id"] for page in pages for p in page.json()] == newest_first


def test_filters_by_status_offering_and_id(api: TestClient) -> None:
    customer = new_id("cust")
    fiber = _create(api, customer)
    handset = _create(api, customer, productOffering={"id": "handset-x"}, status="suspended")

    def ids(**params: str) -> list[str]:
        response = api.get(PRODUCTS, params={"relatedParty.id": customer, **params})
        assert response.status_code == 200
        return [p["id"] for p in response.json()]

    assert ids(status="suspended") == [handset["id"]]
    assert ids(status="active") == [fiber["id"]]
    assert ids(**{"productOffering.id": "fiber-broadband"}) == [fiber["id"]]
    assert ids(id=handset["id"]) == [handset["id"]]
    assert ids(status="terminated") == []


def test_fields_selects_first_level_attributes(api: TestClient) -> None:
    customer = new_id("cust")
    created = _create(api, customer)

    listed = api.get(PRODUCTS, params={"relatedParty.id": customer, "fields": "status,name"})
    one = api.get(f"{PRODUCTS}/{created['id']}", params={"fields": "status"})

    assert [set(p) for p in listed.json()] == [{"id", "href", "status", "name"}]
    assert one.json() == {"id": created["id"], "href": created["href"], "status": "active"}


def test_unknown_filters_and_bad_paging_are_400(api: TestClient) -> None:
    unknown = api.get(PRODUCTS, params={"customer": "x"})
    bad_limit = api.get(PRODUCTS, params={"limit": "0"})

    assert (unknown.status_code, unknown.json()["code"]) == (400, "UnsupportedFilter")
    assert (bad_limit.status_code, bad_limit.json()["code"]) == (400, "InvalidQuery")


def test_assetized_products_are_listed_for_their_customer(api: TestClient) -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    product_id = run_assetize(
        request(order_id, "add", product_body(customer, order_id, technology="dsl"))
    ).reference

    [listed] = api.get(PRODUCTS, params={"relatedParty.id": customer}).json()

    assert listed["id"] == product_id
    assert listed["productCharacteristic"] == [{"name": "technology", "value": "dsl"}]
    assert listed["productOrderItem"][0]["productOrderId"] == order_id
