"""Listing orders: fields, filters, paging and count headers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order


async def _orders_for(http: httpx.AsyncClient, customer: str, count: int) -> list[dict]:
    created = []
    for n in range(count):
        body = sample_order("handset-nova-x5", customer=customer, externalId=f"{customer}-{n}")
        created.append((await http.post(ORDERS, json=body)).json())
    return created


async def test_filter_by_party_pages_newest_first_with_counts(http: httpx.AsyncClient) -> None:
    customer = f"list-{uuid.uuid4()}"
    created = await _orders_for(http, customer, 5)
    newest_first = [o["id"] for o in reversed(created)]

    first = await http.get(ORDERS, params={"relatedParty.id": customer, "limit": 2})
    second = await http.get(ORDERS, params={"relatedParty.id": customer, "limit": 2, "offset": 2})
    last = await http.get(ORDERS, params={"relatedParty.id": customer, "limit": 2, "offset": 4})

    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == "5"
    assert first.headers["X-Result-Count"] == "2"
    assert last.headers["X-Result-Count"] == "1"
    paged = [o["id"] for page in (first, second, last) for o in page.json()]
    assert paged == newest_first


async def test_fields_selects_first_level_attributes(http: httpx.AsyncClient) -> None:
    customer = f"fields-{uuid.uuid4()}"
    await _orders_for(http, customer, 2)

    response = await http.get(
        ORDERS, params={"relatedParty.id": customer, "fields": "state,externalId"}
    )

    assert response.status_code == 200
    assert len(response.json()) == 2
    for order in response.json():
        assert set(order) == {"id", "href", "state", "externalId"}


async def test_filter_by_state_external_id_and_id(http: httpx.AsyncClient) -> None:
    customer = f"state-{uuid.uuid4()}"
    created = await _orders_for(http, customer, 2)
    for order in created:
        await wait_for_state(http, order["id"])

    completed = await http.get(ORDERS, params={"relatedParty.id": customer, "state": "completed"})
    acknowledged = await http.get(
        ORDERS, params={"relatedParty.id": customer, "state": "acknowledged"}
    )
    by_external = await http.get(ORDERS, params={"externalId": created[1]["externalId"]})
    by_id = await http.get(ORDERS, params={"id": created[0]["id"]})

    assert len(completed.json()) == 2
    assert acknowledged.json() == []
    assert [o["id"] for o in by_external.json()] == [created[1]["id"]]
    assert [o["id"] for o in by_id.json()] == [created[0]["id"]]


async def test_order_date_exact_and_ranges(http: httpx.AsyncClient) -> None:
    customer = f"dates-{uuid.uuid4()}"
    [order] = await _orders_for(http, customer, 1)
    stamp = datetime.fromisoformat(order["orderDate"].replace("Z", "+00:00"))

    def iso(value: datetime) -> str:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    exact = await http.get(ORDERS, params={"orderDate": order["orderDate"]})
    after = await http.get(
        ORDERS,
        params={"relatedParty.id": customer, "orderDate.gt": iso(stamp + timedelta(seconds=1))},
    )
    window = await http.get(
        ORDERS,
        params={
            "relatedParty.id": customer,
            "orderDate.gte": iso(stamp - timedelta(seconds=1)),
            "orderDate.lt": iso(stamp + timedelta(seconds=1)),
        },
    )

    assert order["id"] in [o["id"] for o in exact.json()]
    assert after.json() == []
    assert [o["id"] for o in window.json()] == [order["id"]]


async def test_bad_list_parameters_are_400(http: httpx.AsyncClient) -> None:
    for params in (
        {"limit": "abc"},
        {"limit": "0"},
        {"offset": "-1"},
        {"orderDate.gt": "yesterday"},
        {"colour": "red"},
    ):
        response = await http.get(ORDERS, params=params)
        assert response.status_code == 400, params
        assert response.json()["@type"] == "Error"
