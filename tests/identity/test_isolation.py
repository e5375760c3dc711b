"""Two customers share the API: each sees exactly its own orders, cancellations and products,
through every list, filter and id; nothing of the other's leaks; and each change is recorded in
the name of the token that made it, in the order's history and in Temporal's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from tests.auth import bearer
from tests.conftest import AsClient
from tests.helpers import ORDERS, eventually, order_histories_text, wait_for_state
from tests.sample_orders import sample_order

CANCELS = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
PRODUCTS = "/tmf-api/productInventory/v4/product"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


@dataclass
class Customer:
    party: str
    subject: str
    api: httpx.AsyncClient
    completed: str = ""  # an order that completed (a product in inventory)
    waiting: str = ""  # an order that waits for its start date, then cancelled
    cancellation: str = ""
    product: str = ""

    @property
    def orders(self) -> set[str]:
        return {self.completed, self.waiting}


async def _place(customer: Customer, offering: str, **extra: Any) -> str:
    created = await customer.api.post(ORDERS, json=sample_order(offering, customer.party, **extra))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture(scope="module")
async def customers(http: httpx.AsyncClient, http_as: AsClient) -> list[Customer]:
    run = uuid.uuid4().hex[:8]
    pair = [
        Customer(
            f"party-a-{run}", f"alice-{run}", http_as("customer", f"party-a-{run}", f"alice-{run}")
        ),
        Customer(
            f"party-b-{run}", f"bob-{run}", http_as("customer", f"party-b-{run}", f"bob-{run}")
        ),
    ]
    for customer in pair:
        customer.completed = await _place(customer, "handset-nova-x5")
        customer.waiting = await _place(customer, "fiber-broadband", start_in=timedelta(hours=1))
    for customer in pair:
        assert (await wait_for_state(http, customer.completed, timeout=90))["state"] == "completed"
        amended = await customer.api.patch(
            f"{ORDERS}/{customer.waiting}",
            json={"description": "please ring twice"},
            headers=MERGE_PATCH,
        )
        assert amended.status_code == 200, amended.text
        cancelled = await customer.api.post(
            CANCELS,
            json={"productOrder": {"id": customer.waiting}, "cancellationReason": "moving"},
        )
        assert cancelled.status_code == 201, cancelled.text
        customer.cancellation = cancelled.json()["id"]
        products = await http.get(PRODUCTS, params={"relatedParty.id": customer.party})
        [product] = products.json()
        customer.product = product["id"]
    return pair


def _ids(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {str(doc["id"]) for doc in answer.json()}


@pytest.mark.parametrize("me", [0, 1])
async def test_each_customer_lists_exactly_its_own(customers: list[Customer], me: int) -> None:
    mine, other = customers[me], customers[1 - me]
    api = mine.api

    listed = await api.get(ORDERS)
    assert _ids(listed) == mine.orders and listed.headers["X-Total-Count"] == "2"
    assert _ids(await api.get(ORDERS, params={"relatedParty.id": other.party})) == set()
    assert _ids(await api.get(ORDERS, params={"relatedParty.id": mine.party})) == mine.orders
    assert _ids(await api.get(ORDERS, params={"id": other.completed})) == set()
    assert _ids(await api.get(ORDERS, params={"fields": "id,state"})) == mine.orders
    pages = [await api.get(ORDERS, params={"limit": 1, "offset": n}) for n in range(3)]
    assert set().union(*(_ids(p) for p in pages)) == mine.orders
    assert [len(p.json()) for p in pages] == [1, 1, 0]
    assert {p.headers["X-Total-Count"] for p in pages} == {"2"}

    cancels = await api.get(CANCELS)
    assert _ids(cancels) == {mine.cancellation}
    assert _ids(await api.get(CANCELS, params={"productOrder.id": other.waiting})) == set()

    products = await api.get(PRODUCTS)
    assert _ids(products) == {mine.product}
    assert _ids(await api.get(PRODUCTS, params={"relatedParty.id": other.party})) == set()
    assert _ids(await api.get(PRODUCTS, params={"fields": "id"})) == {mine.product}


@pytest.mark.parametrize("me", [0, 1])
async def test_the_other_customers_ids_are_404(customers: list[Customer], me: int) -> None:
    mine, other = customers[me], customers[1 - me]
    api = mine.api
    reads = [
        f"{ORDERS}/{other.completed}",
        f"{ORDERS}/{other.completed}?fields=id",
        f"{CANCELS}/{other.cancellation}",
        f"{PRODUCTS}/{other.product}",
        f"/ops/v1/orders/{other.completed}/plan",
        f"/ops/v1/orders/{other.completed}/timeline",
        f"/ops/v1/orders/{other.completed}/history",
    ]
    for path in reads:
        answer = await api.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert answer.json()["code"] == "NotFound"
        assert other.party not in answer.text
    patched = await api.patch(
        f"{ORDERS}/{other.waiting}", json={"description": "mine now"}, headers=MERGE_PATCH
    )
    assert patched.status_code == 404
    cancel = await api.post(CANCELS, json={"productOrder": {"id": other.completed}})
    assert cancel.status_code == 404
    # Its own still answer.
    assert (await api.get(f"{ORDERS}/{mine.completed}")).status_code == 200
    assert (await api.get(f"/ops/v1/orders/{mine.completed}/plan")).status_code == 200
    history = await api.get(f"/ops/v1/orders/{mine.waiting}/history")
    assert history.status_code == 200 and other.party not in history.text


async def test_a_customer_cannot_act_for_another_party(
    customers: list[Customer], http: httpx.AsyncClient
) -> None:
    alice, bob = customers
    for_bob = await alice.api.post(ORDERS, json=sample_order("handset-nova-x5", bob.party))
    assert for_bob.status_code == 403 and for_bob.json()["code"] == "Forbidden"
    both = sample_order("handset-nova-x5", alice.party)
    both["relatedParty"].append({"id": bob.party, "role": "payer", "@referredType": "Individual"})
    assert (await alice.api.post(ORDERS, json=both)).status_code == 403
    to_bob = await alice.api.patch(
        f"{ORDERS}/{alice.waiting}",
        json={
            "relatedParty": [{"id": bob.party, "role": "customer", "@referredType": "Individual"}]
        },
        headers=MERGE_PATCH,
    )
    assert to_bob.status_code == 403
    assert _ids(await http.get(ORDERS, params={"relatedParty.id": bob.party})) == bob.orders
    # Keys are the caller's own: another's Idempotency-Key is a new key for Dave, whose order
    # is his alone and says nothing of the other's.
    key = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
    carol, dave = f"carol-{uuid.uuid4()}", f"dave-{uuid.uuid4()}"
    first = await http.post(ORDERS, json=sample_order("handset-nova-x5", carol), headers=key)
    assert first.status_code == 201
    same_key = await http.post(
        ORDERS,
        json=sample_order("handset-nova-x5", dave),
        headers={**key, **bearer("customer", party=dave)},
    )
    assert same_key.status_code == 201, same_key.text
    assert "Idempotent-Replayed" not in same_key.headers
    assert same_key.json()["id"] != first.json()["id"] and carol not in same_key.text
    # Staff screens are not a customer's.
    for path in ["/ops/v1/tasks", "/ops/v1/fallout", "/ops/v1/jeopardy", "/ops/v1/simulators"]:
        assert (await alice.api.get(path)).status_code == 403, path


async def test_each_change_is_in_the_name_of_its_token(
    customers: list[Customer], http: httpx.AsyncClient, client: Client
) -> None:
    alice = customers[0]

    async def history() -> list[dict[str, Any]]:
        answer = await http.get(f"/ops/v1/orders/{alice.waiting}/history")
        entries: list[dict[str, Any]] = answer.json()
        return entries

    async def acted() -> list[dict[str, Any]] | None:
        entries = await history()
        done = [e for e in entries if e["actor"] is not None]
        return done if len(done) >= 2 else None

    entries = await eventually(acted, timeout=30)
    by_type = {e["eventType"]: e for e in entries}
    amended = by_type["ProductOrderAttributeValueChangeEvent"]
    cancelled = by_type["CancelProductOrderCreateEvent"]
    for entry in (amended, cancelled):
        assert (entry["actor"], entry["actorRole"]) == (alice.subject, "customer")
    # The same names went to the workflow in the updates (amend_order, cancel_order), so
    # Temporal's history has them too.
    temporal = await order_histories_text(client, alice.waiting)
    update = f'"actor":"{alice.subject}","actor_role":"customer"'  # payloads are JSON in JSON
    assert temporal.count(update.replace('"', '\\"')) >= 2, temporal[-3000:]
