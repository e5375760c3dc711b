"""Returns as a returns system does them, end to end: an exchange ships its replacement before
the return arrives, the returns desk grades what comes back and decides where it goes, the
refund follows the policy, an exchange never received is charged when its window closes (a
durable timer), a refund never received refunds nothing and leaves the product, and the
customer follows it all on the order's return view."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from store import stock
from store.inventory import create_product, get_product
from tests.conftest import AsClient
from tests.helpers import ORDERS, eventually, wait_for_open_task, wait_for_state
from tests.sample_orders import owned_handset

TASKS = "/ops/v1/tasks"
PARIS = "12 Rue de la Paix, 75002 Paris"


def _handset(customer: str, delivered: datetime) -> str:
    product_id = f"prd-{uuid.uuid4()}"
    create_product(owned_handset(product_id, customer, PARIS, delivered))
    return product_id


def _return(product_id: str, customer: str, **chars: str) -> dict[str, Any]:
    given = [{"name": k, "value": v} for k, v in chars.items()]
    return {
        "channel": [{"id": "web", "name": "web"}],
        "relatedParty": [{"id": customer, "role": "customer", "@referredType": "Individual"}],
        "productOrderItem": [
            {
                "id": "1",
                "action": "delete",
                "product": {"id": product_id, "productCharacteristic": given},
            }
        ],
    }


async def _statuses(http: httpx.AsyncClient, order_id: str) -> dict[str, str]:
    plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    return {t["id"].rsplit(":", 1)[-1]: t["status"] for t in plan.get("tasks", [])}


async def _inspect(http: httpx.AsyncClient, order_id: str, **result: Any) -> None:
    task = await wait_for_open_task(http, order_id)
    assert task["queue"] == "returns-desk"
    done = await http.post(f"{TASKS}/{task['id']}/complete", json={"result": result})
    assert done.status_code == 200, done.text


async def test_an_exchange_ships_the_replacement_before_the_return_and_refurbishes_it(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    customer = f"ret-{uuid.uuid4()}"
    me = http_as("customer", party=customer, subject=customer)
    product = _handset(customer, datetime.now(UTC) - timedelta(days=3))
    refurbished = stock.levels("nova-x5-refurbished").get("wh-paris-north", 0)

    body = _return(product, customer, returnType="exchange", returnReason="faulty")
    created = await me.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]

    # The replacement leaves the nearest stock while the returns desk still waits for the
    # handset: its work item is open, nothing has come back.
    async def shipped() -> dict[str, str] | None:
        statuses = await _statuses(http, order_id)
        return statuses if statuses.get("ship-replacement") == "completed" else None

    statuses = await eventually(shipped, what="the replacement shipped")
    assert statuses["receive-return"] == "running"
    assert stock.reservation_state(order_id, "1") == "shipped"
    view = (await me.get(f"/ops/v1/orders/{order_id}/return")).json()
    (waiting,) = view["returns"]
    assert waiting["state"] == "awaitingReturn" and waiting["remedy"] == "exchange"
    assert waiting["replacementShipped"] is True and waiting["returnReceived"] is None

    # Faulty and worn: grade B goes to refurbishment; a faulty unit's exchange costs nothing.
    await _inspect(
        http,
        order_id,
        received=True,
        conditionGrade="B",
        accessoriesComplete=True,
        serialMatches=True,
    )
    order = await wait_for_state(http, order_id, timeout=60)
    assert order["state"] == "completed", order
    (settled,) = (await me.get(f"/ops/v1/orders/{order_id}/return")).json()["returns"]
    assert settled["state"] == "settled" and settled["returnReceived"] is True
    assert settled["inspection"]["conditionGrade"] == "B"
    assert settled["disposition"] == "refurbish"
    # Refurbished at the warehouse nearest the customer, and stocked there as such.
    assert stock.levels("nova-x5-refurbished")["wh-paris-north"] == refurbished + 1
    assert settled["charge"]["value"] == 0 and settled["refund"]["value"] == 0
    assert settled["reasons"] == ["faulty: replaced at no charge"]
    # The customer keeps a handset: the product stays in inventory.
    kept = get_product(product)
    assert kept is not None and kept.status.value == "active"


async def test_a_refund_follows_the_policy_and_only_its_customer_sees_it(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    customer = f"ret-{uuid.uuid4()}"
    me = http_as("customer", party=customer, subject=customer)
    other = http_as("customer", party=f"ret-{uuid.uuid4()}")
    product = _handset(customer, datetime.now(UTC) - timedelta(days=2))
    before = stock.levels("nova-x5").get("wh-paris-north", 0)

    created = await me.post(ORDERS, json=_return(product, customer, returnReason="changedMind"))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    await _inspect(
        http,
        order_id,
        received=True,
        conditionGrade="A",
        accessoriesComplete=True,
        serialMatches=True,
    )
    order = await wait_for_state(http, order_id, timeout=60)
    assert order["state"] == "completed", order

    (refund,) = (await me.get(f"/ops/v1/orders/{order_id}/return")).json()["returns"]
    # As new and complete: the price less the 10% restocking fee, and back on the shelf of
    # the warehouse nearest the customer.
    assert refund["remedy"] == "refund" and refund["state"] == "settled"
    assert refund["refund"] == {"unit": "EUR", "value": 539.1}
    assert refund["restockingFee"] == {"unit": "EUR", "value": 59.9}
    assert refund["disposition"] == "restock"
    assert stock.levels("nova-x5")["wh-paris-north"] == before + 1
    ended = get_product(product)
    assert ended is not None and ended.status.value != "active"
    hidden = await other.get(f"/ops/v1/orders/{order_id}/return")
    assert hidden.status_code == 404


async def test_the_window_is_the_customer_segments(
    http: httpx.AsyncClient,
) -> None:
    customer = f"ret-{uuid.uuid4()}"
    product = _handset(customer, datetime.now(UTC) - timedelta(days=20))
    # A business customer is inside the 30-day business window, a residential one is not.
    late = await http.post(ORDERS, json=_return(product, customer, returnType="exchange"))
    assert late.status_code == 422 and late.json()["code"] == "ReturnWindowClosed"
    assert "within 14 days of delivery" in late.json()["reason"]
    business = {**_return(product, customer, returnType="refund"), "category": "business"}
    accepted = await http.post(ORDERS, json=business)
    assert accepted.status_code == 201, accepted.text
    await http.post(
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        json={"productOrder": {"id": accepted.json()["id"]}, "cancellationReason": "test"},
    )


async def _never_sent_back(
    http: httpx.AsyncClient, http_as: AsClient, **chars: str
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A return whose handset nobody sends back: at the window's end the work item closes by
    itself and the order completes. The product, the customer's return view and the task."""
    customer = f"ret-{uuid.uuid4()}"
    me = http_as("customer", party=customer, subject=customer)
    # Delivered 14 days ago less a few seconds: the window closes a few seconds from now.
    product = _handset(customer, datetime.now(UTC) - timedelta(days=14) + timedelta(seconds=6))
    created = await me.post(ORDERS, json=_return(product, customer, **chars))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    task = await wait_for_open_task(http, order_id)
    order = await wait_for_state(http, order_id, timeout=90)
    assert order["state"] == "completed", order
    (view,) = (await me.get(f"/ops/v1/orders/{order_id}/return")).json()["returns"]
    record = (await http.get(f"{TASKS}/{task['id']}")).json()
    assert record["state"] == "completed" and record["result"] == {"received": False}
    assert view["returnReceived"] is False and view["disposition"] == "none"
    return product, view, record


async def test_an_exchange_never_returned_is_charged_when_its_window_closes(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    _, lost, task = await _never_sent_back(http, http_as, returnType="exchange")
    assert lost["replacementShipped"] is True
    assert lost["charge"] == {"unit": "EUR", "value": 599.0}
    late = await http.post(
        f"{TASKS}/{task['id']}/complete",
        json={
            "result": {
                "received": True,
                "conditionGrade": "A",
                "accessoriesComplete": True,
                "serialMatches": True,
            }
        },
    )
    assert late.status_code == 409  # too late: the window closed and the customer was charged


async def test_a_refund_never_returned_closes_at_the_windows_end_and_the_customer_keeps_it(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    product, lost, _ = await _never_sent_back(http, http_as)
    # Nothing refunded, and the handset stays the customer's, active in inventory.
    assert lost["refund"] == {"unit": "EUR", "value": 0.0} and lost["charge"]["value"] == 0.0
    kept = get_product(product)
    assert kept is not None and kept.status.value == "active"


async def test_a_faulty_handset_is_repaired_and_sent_back(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    customer = f"ret-{uuid.uuid4()}"
    me = http_as("customer", party=customer, subject=customer)
    product = _handset(customer, datetime.now(UTC) - timedelta(days=5))
    body = _return(product, customer, returnType="repair", returnReason="faulty")
    created = await me.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]

    await _inspect(
        http,
        order_id,
        received=True,
        conditionGrade="C",
        accessoriesComplete=True,
        serialMatches=True,
    )
    repair = await wait_for_open_task(http, order_id)
    assert (repair["queue"], repair["skill"]) == ("repair-center", "repair")
    (in_repair,) = (await me.get(f"/ops/v1/orders/{order_id}/return")).json()["returns"]
    assert in_repair["state"] == "inRepair" and in_repair["disposition"] == "repair"
    done = await http.post(f"{TASKS}/{repair['id']}/complete", json={"result": {"repaired": True}})
    assert done.status_code == 200, done.text

    order = await wait_for_state(http, order_id, timeout=60)
    assert order["state"] == "completed", order
    (repaired,) = (await me.get(f"/ops/v1/orders/{order_id}/return")).json()["returns"]
    assert repaired["state"] == "settled" and repaired["remedy"] == "repair"
    assert repaired["refund"]["value"] == 0 and repaired["charge"]["value"] == 0
    statuses = await _statuses(http, order_id)
    assert statuses["ship-repaired"] == "completed" and "deassetize" not in statuses
    kept = get_product(product)
    assert kept is not None and kept.status.value == "active"


async def test_a_draft_return_is_checked_again_when_submitted(http: httpx.AsyncClient) -> None:
    customer = f"ret-{uuid.uuid4()}"
    closing = _handset(customer, datetime.now(UTC) - timedelta(days=14) + timedelta(seconds=2))
    recent = _handset(customer, datetime.now(UTC) - timedelta(days=1))
    late = await http.post(ORDERS, json={**_return(closing, customer), "state": "draft"})
    exchange = {**_return(recent, customer, returnType="exchange"), "state": "draft"}
    draft = await http.post(ORDERS, json=exchange)
    assert late.status_code == 201 and draft.status_code == 201, (late.text, draft.text)

    await asyncio.sleep(2.5)  # the first handset's window closes meanwhile
    refused = await http.post(f"/ops/v1/orders/{late.json()['id']}/submit")
    assert refused.status_code == 422 and refused.json()["code"] == "ReturnWindowClosed"
    submitted = await http.post(f"/ops/v1/orders/{draft.json()['id']}/submit")
    assert submitted.status_code in (200, 201), submitted.text
    # The exchange's replacement is held from the submit on, as for a POSTed exchange.
    assert stock.reservation_state(draft.json()["id"], "1") in {"reserved", "shipped"}
    await http.post(
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        json={"productOrder": {"id": draft.json()["id"]}, "cancellationReason": "test"},
    )
