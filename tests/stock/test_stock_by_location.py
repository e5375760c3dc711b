"""Stock by location over the API: capture refuses what no location has, a cancellation gives
the unit back, a shipment leaves from the nearest location with stock."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from store import stock
from store.db import session_scope
from store.stock_tables import StockReservation
from tests.helpers import ORDERS, eventually, wait_for_item_states, wait_for_state
from tests.sample_orders import SAMPLE_ITEMS, order_body

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
SKU = "nova-x5"  # the sample catalog sells this model
PARIS = "12 Rue de la Paix, 75002 Paris"
MARSEILLE = "1 Quai du Port, 13002 Marseille"


@pytest.fixture(autouse=True)
def seeded_stock_back() -> Iterator[None]:
    """Each test sets the handset's stock as it needs; other tests find the seed's after."""
    stock.ensure_seeded()
    _release_units_held_by_other_tests()
    before = stock.levels(SKU)
    yield
    stock_only(before)


def _release_units_held_by_other_tests() -> None:
    """Handset orders of earlier tests in this database may still be open and hold units; the
    exact levels these tests set are what is available only when none is held."""
    with session_scope() as session:
        held = session.exec(
            select(StockReservation).where(
                StockReservation.sku == SKU, StockReservation.state == stock.RESERVED
            )
        ).all()
        for reservation in held:
            reservation.state = stock.RELEASED
            session.add(reservation)


def stock_only(levels: dict[str, int]) -> None:
    """The SKU's stock is exactly `levels` (every other location holds none)."""
    for location in (loc.id for loc in stock.SEED_LOCATIONS):
        stock.set_level(SKU, location, levels.get(location, 0))


def pro_handset(address: str = PARIS) -> dict[str, Any]:
    item = copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])
    item["product"]["productCharacteristic"] = [
        {"name": "model", "value": SKU},
        {"name": "deliveryAddress", "value": address},
    ]
    return order_body([item], customer=f"stock-{uuid.uuid4()}")


async def test_out_of_stock_everywhere_is_refused_with_a_reason(http: httpx.AsyncClient) -> None:
    stock_only({})
    body = pro_handset()

    refused = await http.post(ORDERS, json=body)

    assert refused.status_code == 422
    assert refused.json()["code"] == "OutOfStock"
    assert SKU in refused.json()["reason"]
    customer = body["relatedParty"][0]["id"]
    assert (await http.get(ORDERS, params={"relatedParty.id": customer})).json() == []


async def test_a_cancellation_releases_the_reservation(http: httpx.AsyncClient) -> None:
    stock_only({"shop-marseille": 1})
    # Shipping is down: the order holds its unit without shipping it.
    await http.patch("/ops/v1/simulators/shipping", json={"offline": True})
    try:
        await asyncio.sleep(1.0)  # the worker sees the new config within a second
        first = (await http.post(ORDERS, json=pro_handset())).json()
        assert stock.reservation_state(first["id"], "1") == "reserved"
        refused = await http.post(ORDERS, json=pro_handset())
        assert refused.status_code == 422, "the only unit is held by the first order"
        await wait_for_item_states(http, first["id"], {"1": "held"}, timeout=60)

        cancel = await http.post(
            CANCEL, json={"productOrder": {"id": first["id"]}, "cancellationReason": "no"}
        )
        assert cancel.status_code == 201, cancel.text
        assert (await wait_for_state(http, first["id"], timeout=60))["state"] == "cancelled"
    finally:
        await http.delete("/ops/v1/simulators/shipping")

    assert stock.reservation_state(first["id"], "1") == "released"
    assert stock.levels(SKU)["shop-marseille"] == 1
    again = await http.post(ORDERS, json=pro_handset())
    assert again.status_code == 201, again.text
    # It ships that unit (and so leaves the next test's stock alone).
    assert (await wait_for_state(http, again.json()["id"]))["state"] == "completed"
    assert stock.levels(SKU)["shop-marseille"] == 0


async def test_a_shipment_takes_from_the_nearest_location(http: httpx.AsyncClient) -> None:
    stock_only({"wh-lyon": 5, "shop-paris-opera": 1, "shop-marseille": 1})

    to_paris = (await http.post(ORDERS, json=pro_handset(PARIS))).json()
    assert (await wait_for_state(http, to_paris["id"]))["state"] == "completed"
    to_marseille = (await http.post(ORDERS, json=pro_handset(MARSEILLE))).json()
    assert (await wait_for_state(http, to_marseille["id"]))["state"] == "completed"
    # Paris's shop is empty now: the next Paris order comes from Lyon.
    next_paris = (await http.post(ORDERS, json=pro_handset(PARIS))).json()
    assert (await wait_for_state(http, next_paris["id"]))["state"] == "completed"

    assert stock.levels(SKU) == {
        "wh-lyon": 4,
        "shop-paris-opera": 0,
        "shop-marseille": 0,
        "wh-paris-north": 0,
        "shop-lille": 0,
    }
    assert stock.reservation_state(to_paris["id"], "1") == "shipped"


async def test_an_item_an_amendment_adds_holds_a_unit_and_one_none_has_is_refused(
    http: httpx.AsyncClient,
) -> None:
    stock_only({"shop-marseille": 2})
    await http.patch("/ops/v1/simulators/shipping", json={"offline": True})
    try:
        await asyncio.sleep(1.0)  # the worker sees the new config within a second
        body = pro_handset()
        order = (await http.post(ORDERS, json=body)).json()
        await wait_for_item_states(http, order["id"], {"1": "held"}, timeout=60)
        first = body["productOrderItem"][0]
        second = {**copy.deepcopy(first), "id": "2"}
        headers = {"Content-Type": "application/merge-patch+json"}

        added = await http.patch(
            f"{ORDERS}/{order['id']}", json={"productOrderItem": [first, second]}, headers=headers
        )
        assert added.status_code == 200, added.text

        async def held() -> bool:
            return stock.reservation_state(order["id"], "2") == "reserved"

        await eventually(held, what="the added item's unit held")
        third = {**copy.deepcopy(first), "id": "3"}
        refused = await http.patch(
            f"{ORDERS}/{order['id']}",
            json={"productOrderItem": [first, second, third]},
            headers=headers,
        )
        assert refused.status_code == 422 and refused.json()["code"] == "OutOfStock"
        assert stock.reservation_state(order["id"], "3") is None

        cancel = await http.post(
            CANCEL, json={"productOrder": {"id": order["id"]}, "cancellationReason": "no"}
        )
        assert cancel.status_code == 201, cancel.text
        assert (await wait_for_state(http, order["id"], timeout=60))["state"] == "cancelled"
    finally:
        await http.delete("/ops/v1/simulators/shipping")
    assert stock.reservation_state(order["id"], "1") == "released"
    assert stock.reservation_state(order["id"], "2") == "released"
