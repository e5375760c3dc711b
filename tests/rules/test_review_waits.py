"""Orders waiting for a person before fulfilment, over HTTP with a real worker: an approval
(`pending` until an approver decides) and a suspected duplicate (`held` until an agent releases
or cancels it)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio.client import Client

from api.order_workflows import initial_search_attributes
from config.settings import get_settings
from tests.conftest import ApiServer, AsClient
from tests.helpers import ORDERS, wait_for_state
from tests.rules.support import PARIS, handset
from tests.workspace.test_workspace_api import _oms
from tmf.product_order import ProductOrder
from workflows.order import ProductOrderInput, ProductOrderWorkflow, workflow_id_for
from workflows.policy import OrderPolicy

APPROVALS = "/ops/v1/approvals"
CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"


def colour(order: dict[str, Any]) -> Any:
    chars = order["productOrderItem"][0]["product"]["productCharacteristic"]
    return next((c["value"] for c in chars if c["name"] == "color"), None)


async def wait_state(http: httpx.AsyncClient, order_id: str, state: str) -> dict[str, Any]:
    return await wait_for_state(http, order_id, {state}, timeout=60)


async def held_by_workflow(http: httpx.AsyncClient, order_id: str) -> None:
    """The order is `held` from its capture; wait until its workflow holds it too (its history
    says why), so that a release or cancellation does not race the workflow's start."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
        if any((e["detail"] or {}).get("toState") == "held" for e in history):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the workflow of {order_id} did not hold it")


async def listed(http: httpx.AsyncClient, order_id: str, kind: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = await http.get(APPROVALS, params={"kind": kind, "limit": 1000})
        assert found.status_code == 200, found.text
        mine = [e for e in found.json() if e["orderId"] == order_id]
        if mine:
            return mine[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{order_id} is not listed as waiting for {kind}")


async def test_an_order_above_the_threshold_waits_until_an_approver_approves(
    http: httpx.AsyncClient, http_as: AsClient, review_rules: None
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    big = await http.post(ORDERS, json=handset(customer, 256))
    assert big.status_code == 201, big.text
    order_id = big.json()["id"]
    waiting = await wait_state(http, order_id, "pending")
    assert waiting["review"][-1]["reason"] == "Handsets above 650 EUR need an approver"
    entry = await listed(http_as("order-approver"), order_id, "approval")
    assert entry["rules"] == ["big-handsets"] and entry["state"] == "pending"
    # Nothing is fulfilled while it waits: no task has started.
    plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    assert plan["tasks"] == []

    owner = http_as("customer", party=customer, subject=customer)
    refused = await owner.post(f"{APPROVALS}/{order_id}/approve", json={})
    assert refused.status_code == 403, refused.text
    assert (await owner.get(APPROVALS)).status_code == 403

    approver = http_as("order-approver", subject="ann-approver")
    approved = await approver.post(f"{APPROVALS}/{order_id}/approve", json={"reason": "ok"})
    assert approved.status_code == 200, approved.text
    done = await wait_state(http, order_id, "completed")
    assert done["review"][-1]["decision"] == "approved"
    assert done["review"][-1]["decidedBy"] == "ann-approver"
    history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
    decided = [e for e in history if e["title"] == "Order approved"]
    assert [(e["actor"], e["actorRole"]) for e in decided] == [("ann-approver", "order-approver")]
    # Decided once: a second approval is refused.
    again = await approver.post(f"{APPROVALS}/{order_id}/approve", json={})
    assert again.status_code == 409, again.text

    # An order under the threshold does not wait.
    small = await http.post(ORDERS, json=handset(customer, 128))
    assert (await wait_state(http, small.json()["id"], "completed")).get("review") is None


async def test_a_rejection_needs_a_reason_and_the_order_goes_rejected_with_it(
    http: httpx.AsyncClient, http_as: AsClient, review_rules: None
) -> None:
    created = await http.post(ORDERS, json=handset(f"cust-{uuid.uuid4().hex[:8]}", 256))
    order_id = created.json()["id"]
    await wait_state(http, order_id, "pending")
    approver = http_as("order-manager", subject="max-manager")
    nameless = await approver.post(f"{APPROVALS}/{order_id}/reject", json={})
    assert nameless.status_code == 422, nameless.text
    rejected = await approver.post(
        f"{APPROVALS}/{order_id}/reject", json={"reason": "over the customer's credit limit"}
    )
    assert rejected.status_code == 200, rejected.text
    order = await wait_state(http, order_id, "rejected")
    assert [(e["code"], e["reason"]) for e in order["errorMessage"]] == [
        ("ApprovalRejected", "over the customer's credit limit")
    ]
    assert {i["state"] for i in order["productOrderItem"]} == {"rejected"}


async def test_an_amendment_below_the_threshold_releases_the_wait_and_a_cancellation_ends_one(
    http: httpx.AsyncClient, review_rules: None
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    body = handset(customer, 256, address=f"{uuid.uuid4().hex[:6]} {PARIS}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    waiting = await wait_state(http, order_id, "pending")
    assert colour(waiting) == "silver"  # enriched from the Paris postcode
    item = body["productOrderItem"][0]
    chars = [
        {**c, "value": 128} if c["name"] == "storageGb" else c
        for c in item["product"]["productCharacteristic"]
    ]
    patch = {"productOrderItem": [{**item, "product": {"productCharacteristic": chars}}]}
    amended = await http.patch(
        f"{ORDERS}/{order_id}", json=patch, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert amended.status_code == 200, amended.text
    # The client's item did not carry the enriched colour: enrichment derived it again.
    assert colour(amended.json()) == "silver"
    assert [n["author"] for n in amended.json()["note"]] == ["rule:paris-silver"]
    done = await wait_state(http, order_id, "completed")
    assert done["review"][-1]["decision"] == "amended" and done["version"] == 2

    other = (await http.post(ORDERS, json=handset(customer, 256))).json()["id"]
    await wait_state(http, other, "pending")
    cancel = await http.post(
        CANCEL, json={"productOrder": {"id": other}, "cancellationReason": "changed my mind"}
    )
    assert cancel.status_code == 201, cancel.text
    cancelled = await wait_state(http, other, "cancelled")
    assert cancelled["review"][-1]["decision"] == "cancelled"
    assert cancelled["cancellationReason"] == "changed my mind"


async def test_a_second_order_for_the_same_address_from_another_channel_is_held_naming_the_first(
    http: httpx.AsyncClient, http_as: AsClient, review_rules: None
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    address = f"{uuid.uuid4().hex[:8]} Rue de la Paix, 75002 Paris"
    first = await http.post(ORDERS, json=handset(customer, 128, "web", address))
    assert first.status_code == 201, first.text
    first_id = first.json()["id"]

    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = handset(customer, 128, "app", address)
    second = await http.post(ORDERS, json=body, headers=key)
    assert second.status_code == 201, second.text
    held = second.json()
    assert held["state"] == "held" and held["review"][0]["duplicateOf"] == first_id
    assert first_id in held["review"][0]["reason"]
    # Nobody releases an order by writing its review: the server owns it.
    forged = {**body, "review": [{**held["review"][0], "decision": "released"}]}
    assert (await http.post(ORDERS, json=forged)).status_code == 400
    patched = await http.patch(
        f"{ORDERS}/{held['id']}",
        json={"review": []},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 400, patched.text
    # The same body with the same key is a replay of the held order, not another duplicate.
    replay = await http.post(ORDERS, json=body, headers=key)
    assert replay.status_code == 201 and replay.json()["id"] == held["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"

    agent = http_as("order-agent", subject="olga-agent")
    await held_by_workflow(http, held["id"])
    entry = await listed(agent, held["id"], "duplicate")
    assert entry["duplicateOf"] == first_id
    assert (await agent.post(f"{APPROVALS}/{held['id']}/approve", json={})).status_code == 403

    # A third one, held too (naming the first, the oldest open one), is cancelled instead.
    third = await http.post(ORDERS, json=handset(customer, 128, "partner", address))
    assert third.json()["state"] == "held", third.text
    assert third.json()["review"][0]["duplicateOf"] == first_id
    await held_by_workflow(http, third.json()["id"])
    cancel = await agent.post(
        CANCEL, json={"productOrder": {"id": third.json()["id"]}, "cancellationReason": "dup"}
    )
    assert cancel.status_code == 201 and "errorMessage" not in cancel.json(), cancel.text
    await wait_state(http, third.json()["id"], "cancelled")

    # A draft for the same address is no duplicate while a draft; submitted, it is held too.
    draft = await http.post(
        ORDERS, json={**handset(customer, 128, "app", address), "state": "draft"}
    )
    assert draft.status_code == 201 and draft.json()["state"] == "draft", draft.text
    submitted = await http.post(f"/ops/v1/orders/{draft.json()['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "held"
    assert submitted.json()["review"][0]["duplicateOf"] == first_id
    await held_by_workflow(http, draft.json()["id"])
    cancel = await agent.post(
        CANCEL, json={"productOrder": {"id": draft.json()["id"]}, "cancellationReason": "dup"}
    )
    assert cancel.status_code == 201 and "errorMessage" not in cancel.json(), cancel.text
    await wait_state(http, draft.json()["id"], "cancelled")

    released = await agent.post(f"{APPROVALS}/{held['id']}/release", json={})
    assert released.status_code == 200, released.text
    done = await wait_state(http, held["id"], "completed")
    assert done["review"][0]["decision"] == "released"
    assert done["review"][0]["decidedBy"] == "olga-agent"


async def test_an_approval_nobody_decides_goes_into_jeopardy_at_its_own_threshold(
    http: httpx.AsyncClient, client: Client, review_rules: None
) -> None:
    """The wait's own threshold (ORDER_APPROVAL_JEOPARDY_HOURS, here 2 s through the policy the
    API would build from it): warning at 80%, critical at 100%, then the approval clears it."""
    body = handset(f"cust-{uuid.uuid4().hex[:8]}", 256)
    order = ProductOrder.model_validate(
        {**body, "id": str(uuid.uuid4()), "href": "h", "orderDate": datetime.now(UTC)}
    )
    policy = OrderPolicy(approval_jeopardy_hours=2 / 3600, jeopardy_warning_share=0.8)
    await client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order, policy=policy),
        id=workflow_id_for(order.id),
        task_queue=get_settings().task_queue,
        search_attributes=initial_search_attributes(order),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = await http.get(f"{ORDERS}/{order.id}")
        if found.status_code == 200 and (found.json().get("jeopardy") or {}).get("level") == (
            "critical"
        ):
            break
        await asyncio.sleep(0.2)
    shown = (await http.get(f"{ORDERS}/{order.id}")).json()
    assert shown["state"] == "pending" and shown["jeopardy"]["level"] == "critical", shown
    assert "approver" in shown["jeopardy"]["cause"]
    at_risk = (await http.get("/ops/v1/jeopardy", params={"level": "critical"})).json()
    assert order.id in [entry["orderId"] for entry in at_risk]
    history = (await http.get(f"/ops/v1/orders/{order.id}/history")).json()
    levels = [
        e["detail"]["level"] for e in history if e["eventType"].endswith("JeopardyAlertEvent")
    ]
    assert levels == ["warning", "critical"]

    assert (await http.post(f"{APPROVALS}/{order.id}/approve", json={})).status_code == 200
    done = await wait_state(http, order.id, "completed")
    assert done["jeopardy"]["level"] == "none"


async def test_the_cli_lists_what_waits_and_rejects_with_a_reason(
    http: httpx.AsyncClient, api_server: ApiServer, review_rules: None
) -> None:
    order_id = (await http.post(ORDERS, json=handset(f"cli-{uuid.uuid4().hex[:8]}", 256))).json()[
        "id"
    ]
    await wait_state(http, order_id, "pending")
    listed = await _oms(api_server, "approvals", "list", "--kind", "approval", "--limit", "500")
    assert listed.returncode == 0, listed.stderr
    assert any(order_id in line and "above 650 EUR" in line for line in listed.stdout.splitlines())
    nameless = await _oms(api_server, "approvals", "reject", order_id)
    assert nameless.returncode != 0  # --reason is required
    rejected = await _oms(
        api_server, "approvals", "reject", order_id, "--reason", "no budget", "--as", "ann"
    )
    assert rejected.returncode == 0, rejected.stderr
    order = await wait_state(http, order_id, "rejected")
    assert order["review"][-1]["decidedBy"] == "ann"
    assert order["errorMessage"][0]["reason"] == "no budget"
