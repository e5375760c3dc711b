"""What a new user trips over when placing an order (issue 26): refused early, named clearly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.helpers import ORDERS
from tests.sample_orders import sample_order

INVENTORY = "/tmf-api/productInventory/v4/product"


@pytest.mark.parametrize(
    "parties",
    [
        None,
        [],
        [{"id": "shop-1", "@referredType": "Organization", "role": "seller"}],
    ],
    ids=["no relatedParty", "empty relatedParty", "no customer role"],
)
async def test_an_order_for_nobody_is_refused_naming_related_party(
    http: httpx.AsyncClient, parties: list[dict[str, str]] | None
) -> None:
    external_id = f"nobody-{uuid.uuid4()}"
    body = sample_order("handset-nova-x5", externalId=external_id)
    if parties is None:
        del body["relatedParty"]
    else:
        body["relatedParty"] = parties

    response = await http.post(ORDERS, json=body)

    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "InvalidBody"
    assert "relatedParty" in error["reason"] and "customer" in error["message"]
    assert error["status"] == "422"
    listed = await http.get(ORDERS, params={"externalId": external_id})
    assert listed.json() == []


async def test_a_party_without_a_role_is_taken_as_the_customer(http: httpx.AsyncClient) -> None:
    # TMF's own conformance kit sends one party without a role: it is the customer.
    body = sample_order("handset-nova-x5")
    body["relatedParty"] = [{"id": f"c-{uuid.uuid4()}", "@referredType": "Individual"}]

    assert (await http.post(ORDERS, json=body)).status_code == 201


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("start_in", "due_in", "says"),
    [
        (None, timedelta(hours=-1), "in the past"),
        (timedelta(days=13), timedelta(days=2), "before requestedStartDate"),
    ],
    ids=["due date passed", "due before start"],
)
async def test_an_impossible_completion_date_is_refused(
    http: httpx.AsyncClient, start_in: timedelta | None, due_in: timedelta, says: str
) -> None:
    now = datetime.now(UTC)
    external_id = f"dates-{uuid.uuid4()}"
    body = sample_order("handset-nova-x5", externalId=external_id)
    body["requestedCompletionDate"] = _iso(now + due_in)
    if start_in is not None:
        body["requestedStartDate"] = _iso(now + start_in)

    response = await http.post(ORDERS, json=body)

    assert response.status_code == 422, response.text
    error = response.json()
    assert error["reason"] == "Invalid value for 'requestedCompletionDate'"
    assert says in error["message"]
    assert (await http.get(ORDERS, params={"externalId": external_id})).json() == []


async def test_a_reachable_completion_date_is_accepted(http: httpx.AsyncClient) -> None:
    body = sample_order("handset-nova-x5")
    body["requestedCompletionDate"] = _iso(datetime.now(UTC) + timedelta(days=14))

    response = await http.post(ORDERS, json=body)

    assert response.status_code == 201, response.text
    assert response.json()["requestedCompletionDate"] == body["requestedCompletionDate"]
