"""Order capture over TMF622: create, retrieve, idempotent replay, rejection."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
from temporalio.client import Client, WorkflowExecutionDescription

from tests.helpers import ORDERS, eventually, minimal_order, wait_for_state
from tests.sample_orders import sample_order
from workflows import search_attributes as sa

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


async def test_create_returns_201_with_location_and_server_fields(http: httpx.AsyncClient) -> None:
    response = await http.post(ORDERS, json=minimal_order(externalId=f"ext-{uuid.uuid4()}"))

    assert response.status_code == 201
    order = response.json()
    assert response.headers["Location"] == order["href"]
    assert order["href"].endswith(f"{ORDERS}/{order['id']}")
    assert order["state"] == "acknowledged"
    assert ISO_Z.match(order["orderDate"])
    assert order["productOrderItem"][0]["id"] == "1"


async def test_order_without_catalog_data_is_accepted_then_rejected(
    http: httpx.AsyncClient,
) -> None:
    # TMF622 conformance: the minimal body is accepted (201), then rejected asynchronously.
    created = await http.post(ORDERS, json=minimal_order())
    assert created.status_code == 201

    rejected = await wait_for_state(http, created.json()["id"])

    assert rejected["state"] == "rejected"
    assert {e["code"] for e in rejected["errorMessage"]} == {"MissingOffering"}


async def test_order_completes_and_get_shows_it(http: httpx.AsyncClient) -> None:
    created = (await http.post(ORDERS, json=sample_order("handset-nova-x5"))).json()

    done = await wait_for_state(http, created["id"])

    assert done["state"] == "completed"
    assert ISO_Z.match(done["completionDate"])
    assert [i["state"] for i in done["productOrderItem"]] == ["completed"]
    assert done["orderDate"] == created["orderDate"]


async def test_workflow_is_findable_in_temporal_by_search_attributes(
    http: httpx.AsyncClient, client: Client
) -> None:
    customer = f"cust-{uuid.uuid4()}"
    body = sample_order("handset-nova-x5", customer=customer)
    created = (await http.post(ORDERS, json=body)).json()
    await wait_for_state(http, created["id"])

    handle = client.get_workflow_handle(f"order-{created['id']}")

    # The store's snapshot is written just before the workflow task that upserts the attribute
    # completes: the attribute follows a moment later.
    async def described_completed() -> WorkflowExecutionDescription | None:
        found = await handle.describe()
        done = found.typed_search_attributes.get(sa.ORDER_STATE) == "completed"
        return found if done else None

    described = await eventually(described_completed, timeout=10, what="OrderState completed")
    attributes = described.typed_search_attributes
    assert attributes.get(sa.CUSTOMER_ID) == customer
    assert attributes.get(sa.CHANNEL) == "web"
    memo = await described.memo()
    assert customer in str(memo["summary"])
    live = await handle.query("get_order")
    assert live["state"] == "completed"


async def test_unknown_order_is_404_in_tmf_shape(http: httpx.AsyncClient) -> None:
    response = await http.get(f"{ORDERS}/{uuid.uuid4()}")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "NotFound"
    assert body["status"] == "404"
    assert body["@type"] == "Error"
    assert "reason" in body


async def test_same_idempotency_key_and_body_returns_the_first_order(
    http: httpx.AsyncClient,
) -> None:
    key = str(uuid.uuid4())
    first = await http.post(ORDERS, json=minimal_order(), headers={"Idempotency-Key": key})
    second = await http.post(ORDERS, json=minimal_order(), headers={"Idempotency-Key": key})

    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"


async def test_same_idempotency_key_with_another_body_is_refused(http: httpx.AsyncClient) -> None:
    key = str(uuid.uuid4())
    first = await http.post(ORDERS, json=minimal_order(), headers={"Idempotency-Key": key})
    second = await http.post(
        ORDERS, json=minimal_order(description="changed"), headers={"Idempotency-Key": key}
    )

    assert first.status_code == 201
    assert second.status_code == 422, second.text
    assert (second.json()["code"], second.json()["status"]) == ("IdempotencyKeyReused", "422")
    assert first.json()["id"] not in second.text


async def test_concurrent_posts_with_one_key_create_one_order(
    http: httpx.AsyncClient, client: Client
) -> None:
    key = str(uuid.uuid4())
    responses = await asyncio.gather(
        *[
            http.post(ORDERS, json=minimal_order(), headers={"Idempotency-Key": key})
            for _ in range(8)
        ]
    )

    ids = {r.json()["id"] for r in responses}
    assert [r.status_code for r in responses] == [201] * 8
    assert len(ids) == 1
    workflows = [w async for w in client.list_workflows(f"WorkflowId = 'order-{ids.pop()}'")]
    assert len(workflows) == 1


async def test_same_external_id_from_same_party_is_the_same_order(http: httpx.AsyncClient) -> None:
    external = f"crm-{uuid.uuid4()}"
    first = (await http.post(ORDERS, json=minimal_order(externalId=external))).json()
    again = (await http.post(ORDERS, json=minimal_order(externalId=external))).json()
    other_party = minimal_order(externalId=external)
    other_party["relatedParty"][0]["id"] = "another-customer"
    other = (await http.post(ORDERS, json=other_party)).json()

    changed = await http.post(ORDERS, json=minimal_order(externalId=external, description="x"))

    assert again["id"] == first["id"]
    assert other["id"] != first["id"]
    assert changed.status_code == 422 and changed.json()["code"] == "IdempotencyKeyReused"


async def test_structurally_invalid_order_is_rejected_with_reasons(http: httpx.AsyncClient) -> None:
    body = minimal_order()
    body["productOrderItem"] = [
        {"id": "1", "action": "add"},
        {"id": "1", "action": "add"},
        {
            "id": "2",
            "action": "add",
            "productOrderItemRelationship": [{"id": "9", "relationshipType": "reliesOn"}],
        },
        {"id": "3", "action": "modify"},
    ]
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201  # accepted, then rejected asynchronously (TMF622 CTK rule)

    rejected = await wait_for_state(http, created.json()["id"])

    assert rejected["state"] == "rejected"
    codes = {e["code"] for e in rejected["errorMessage"]}
    assert codes == {"DuplicateItemId", "UnknownRelatedItem", "MissingProductId"}
    assert all(i["state"] == "rejected" for i in rejected["productOrderItem"])
