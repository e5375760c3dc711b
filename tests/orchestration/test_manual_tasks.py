"""A manual task round trip through /ops/v1/tasks, as a technician works it."""

from __future__ import annotations

import json
import uuid

import httpx
from temporalio.client import Client

from tests.conftest import AsClient
from tests.helpers import ORDERS, order_histories_text, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order

TASKS = "/ops/v1/tasks"


async def test_technician_claims_and_completes_the_install(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    anna = http_as("fulfillment-agent", subject="tech-anna")
    bob = http_as("fulfillment-agent", subject="tech-bob")
    created = await http.post(
        ORDERS, json=sample_order("fiber-broadband", customer=f"tech-{uuid.uuid4()}")
    )
    order_id = created.json()["id"]

    task = await wait_for_open_task(http, order_id)
    assert task["queue"] == "field-install" and task["skill"] == "field-technician"
    listed = await http.get(
        TASKS, params={"queue": "field-install", "skill": "field-technician", "state": "open"}
    )
    assert task["id"] in [t["id"] for t in listed.json()]
    described = (await http.get(f"{TASKS}/{task['id']}")).json()
    assert set(described["resultSchema"]["required"]) == {"installedAt", "serialNumber"}

    # A technician claims for herself only; the claim is in her name, from her token.
    for_other = await bob.post(f"{TASKS}/{task['id']}/claim", json={"assignee": "tech-anna"})
    assert for_other.status_code == 403
    claimed = await anna.post(f"{TASKS}/{task['id']}/claim", json={})
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["state"] == "claimed" and claimed.json()["assignee"] == "tech-anna"
    stolen = await bob.post(f"{TASKS}/{task['id']}/claim", json={})
    assert stolen.status_code == 403 and stolen.json()["code"] == "Forbidden"
    not_his = await bob.post(
        f"{TASKS}/{task['id']}/complete",
        json={"result": {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "RT-1"}},
    )
    assert not_his.status_code == 403

    wrong = await anna.post(f"{TASKS}/{task['id']}/complete", json={"result": {"serialNumber": 42}})
    assert wrong.status_code == 422
    assert "installedAt" in wrong.json()["reason"] and "serialNumber" in wrong.json()["reason"]

    done = await anna.post(
        f"{TASKS}/{task['id']}/complete",
        json={
            "result": {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "RT-1"},
            "completedBy": "tech-anna",
        },
    )
    assert done.status_code == 200, done.text
    again = await http.post(
        f"{TASKS}/{task['id']}/complete",
        json={"result": {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "RT-1"}},
    )
    assert again.status_code == 409

    order = await wait_for_state(http, order_id, timeout=60)
    assert order["state"] == "completed"
    record = (await http.get(f"{TASKS}/{task['id']}")).json()
    assert record["state"] == "completed" and record["result"]["serialNumber"] == "RT-1"


async def test_a_fulfillment_manager_hands_on_and_takes_over_a_claimed_task(
    http: httpx.AsyncClient, http_as: AsClient, client: Client
) -> None:
    anna = http_as("fulfillment-agent", subject="tech-anna")
    bob = http_as("fulfillment-agent", subject="tech-bob")
    mia = http_as("fulfillment-manager", subject="mgr-mia")
    olga = http_as("order-manager", subject="om-olga")
    created = await http.post(
        ORDERS, json=sample_order("fiber-broadband", customer=f"takeover-{uuid.uuid4()}")
    )
    order_id = created.json()["id"]
    task = await wait_for_open_task(http, order_id)
    url = f"{TASKS}/{task['id']}"
    assert (await anna.post(f"{url}/claim", json={})).status_code == 200

    # Another technician cannot take it, by claim or by assignment; nor can the order manager,
    # whose role the permission table gives no task:assign.
    for caller, path, body in [
        (bob, "claim", {}),
        (bob, "assign", {}),
        (bob, "assign", {"assignee": "tech-bob"}),
        (olga, "assign", {"assignee": "tech-bob"}),
    ]:
        refused = await caller.post(f"{url}/{path}", json=body)
        assert refused.status_code == 403, (path, body, refused.text)
    assert (await http.get(url)).json()["assignee"] == "tech-anna"

    handed = await mia.post(
        f"{url}/assign", json={"assignee": "tech-bob", "reason": "Anna is off sick"}
    )
    assert handed.status_code == 200, handed.text
    assert (handed.json()["state"], handed.json()["assignee"]) == ("claimed", "tech-bob")
    again = await mia.post(f"{url}/assign", json={"assignee": "tech-bob"})
    assert again.status_code == 409 and again.json()["code"] == "InvalidState"
    result = {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "RT-9"}
    not_hers = await anna.post(f"{url}/complete", json={"result": result})
    assert not_hers.status_code == 403
    listed = await http.get(TASKS, params={"assignee": "tech-bob", "orderId": order_id})
    assert [t["id"] for t in listed.json()] == [task["id"]]

    # The manager takes it over by claiming it, then finishes the job herself.
    taken = await mia.post(f"{url}/claim", json={})
    assert taken.status_code == 200 and taken.json()["assignee"] == "mgr-mia", taken.text
    done = await mia.post(f"{url}/complete", json={"result": result})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["assignee"]) == ("completed", "mgr-mia")
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"
    gone = await mia.post(f"{url}/assign", json={"assignee": "tech-anna"})
    assert gone.status_code == 409

    history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
    moves = [
        (e["actor"], e["actorRole"], e["detail"]["previousAssignee"], e["detail"]["assignee"])
        for e in history
        if e["eventType"] == "ProductOrderTaskAssignedEvent"
    ]
    assert moves == [
        ("mgr-mia", "fulfillment-manager", "tech-anna", "tech-bob"),
        ("mgr-mia", "fulfillment-manager", "tech-bob", "mgr-mia"),
    ]
    reasons = [e["reason"] for e in history if e["eventType"] == "ProductOrderTaskAssignedEvent"]
    assert reasons == ["Anna is off sick", None]
    # The same actor in Temporal history: the domain order's update and the order's signal.
    temporal = await order_histories_text(client, order_id)
    assert "reassign_manual_task" in temporal and "task_reassigned" in temporal
    assert json.dumps('"actor":"mgr-mia"')[1:-1] in temporal


async def test_unknown_task_is_404(http: httpx.AsyncClient) -> None:
    response = await http.post(f"{TASKS}/{uuid.uuid4()}/complete", json={"result": {}})
    assert response.status_code == 404 and response.json()["@type"] == "Error"
