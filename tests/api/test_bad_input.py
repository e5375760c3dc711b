"""Bad input gets a 4xx in TMF shape, never a 500, and names what is wrong."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import ORDERS, minimal_order

PARTY = [{"id": "c", "@referredType": "Individual"}]
MALFORMED: dict[str, tuple[object, str]] = {
    "not json": ("{not json", "body"),
    "json array": ([minimal_order()], "body"),
    "no items": ({"relatedParty": PARTY}, "productOrderItem"),
    "empty items": ({"productOrderItem": [], "relatedParty": PARTY}, "productOrderItem"),
    "item without id": ({"productOrderItem": [{"action": "add"}]}, "productOrderItem[0].id"),
    "unknown action": (
        {"productOrderItem": [{"id": "1", "action": "upgrade"}]},
        "productOrderItem[0].action",
    ),
    "zero quantity": (
        {"productOrderItem": [{"id": "1", "action": "add", "quantity": 0}]},
        "productOrderItem[0].quantity",
    ),
    "quantity not a number": (
        {"productOrderItem": [{"id": "1", "action": "add", "quantity": "two"}]},
        "productOrderItem[0].quantity",
    ),
    "bad date": (minimal_order(requestedStartDate="next tuesday"), "requestedStartDate"),
    "party without type": (
        {"productOrderItem": [{"id": "1", "action": "add"}], "relatedParty": [{"id": "c"}]},
        "relatedParty[0].@referredType",
    ),
    "bad relationship type": (
        {
            "productOrderItem": [
                {
                    "id": "1",
                    "action": "add",
                    "productOrderItemRelationship": [{"id": "2", "relationshipType": "likes"}],
                }
            ]
        },
        "productOrderItem[0].productOrderItemRelationship[0].relationshipType",
    ),
    "offering without id": (
        {"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"name": "x"}}]},
        "productOrderItem[0].productOffering.id",
    ),
    "characteristic without name": (
        {
            "productOrderItem": [
                {"id": "1", "action": "add", "product": {"productCharacteristic": [{"value": 1}]}}
            ]
        },
        "productOrderItem[0].product.productCharacteristic[0].name",
    ),
    # Found by schemathesis: a null value vanished with the optional nulls and gave a 500.
    "characteristic with a null value": (
        {
            "productOrderItem": [
                {
                    "id": "1",
                    "action": "add",
                    "product": {"productCharacteristic": [{"name": "speed", "value": None}]},
                }
            ]
        },
        "productOrderItem[0].product.productCharacteristic[0].value",
    ),
    "priority out of range": (minimal_order(priority="urgent"), "priority"),
    "items not a list": ({"productOrderItem": {"id": "1", "action": "add"}}, "productOrderItem"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_body_is_422_naming_the_field(http: httpx.AsyncClient, case: str) -> None:
    body, field = MALFORMED[case]
    if isinstance(body, str):
        response = await http.post(
            ORDERS, content=body, headers={"content-type": "application/json"}
        )
    else:
        response = await http.post(ORDERS, json=body)

    assert response.status_code == 422, response.text
    error = response.json()
    assert error["@type"] == "Error"
    assert error["status"] == "422"
    assert error["code"] in {"InvalidBody", "InvalidRequest"}
    assert field in error["reason"]


@pytest.mark.parametrize("field", ["id", "state", "orderDate", "href"])
async def test_server_owned_fields_are_refused(http: httpx.AsyncClient, field: str) -> None:
    response = await http.post(ORDERS, json=minimal_order(**{field: "2026-01-01T00:00:00Z"}))

    assert response.status_code == 400
    assert response.json()["code"] == "ReadOnlyField"
    assert field in response.json()["reason"]


async def test_nothing_is_stored_for_a_refused_body(http: httpx.AsyncClient) -> None:
    marker = "refused-marker-external-id"
    await http.post(ORDERS, json=minimal_order(externalId=marker, state="completed"))

    listed = await http.get(ORDERS, params={"externalId": marker})

    assert listed.json() == []


# Found by schemathesis on PostgreSQL, whose text cannot hold U+0000: a 500 at the insert.
async def test_a_nul_character_is_refused_on_every_store_and_nothing_is_stored(
    http: httpx.AsyncClient,
) -> None:
    marker = "nul-test"
    body = minimal_order(externalId=marker)
    body["relatedParty"] = [{"id": "cust\x00omer", "@referredType": "Individual"}]

    created = await http.post(ORDERS, json=body)
    listed = await http.get(ORDERS, params={"externalId": "a\x00b"})

    assert created.status_code == 422, created.text
    assert (created.json()["code"], created.json()["status"]) == ("InvalidBody", "422")
    assert "NUL" in created.json()["reason"]
    assert (listed.status_code, listed.json()["code"]) == (400, "InvalidRequest")
    assert (await http.get(ORDERS, params={"externalId": marker})).json() == []


async def test_the_text_backslash_u0000_is_not_a_nul_character(http: httpx.AsyncClient) -> None:
    created = await http.post(ORDERS, json=minimal_order(externalId="literally \\u0000"))
    assert created.status_code == 201, created.text
    assert created.json()["externalId"] == "literally \\u0000"
