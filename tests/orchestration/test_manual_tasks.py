"""A manual task round trip through /ops/v1/tasks, as a technician works it."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AsClient
from tests.helpers import ORDERS, wait_for_open_task, wait_for_state
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
    assert stolen.status_code == 409 and stolen.json()["code"] == "InvalidState"
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


async def test_unknown_task_is_404(http: httpx.AsyncClient) -> None:
    response = await http.post(f"{TASKS}/{uuid.uuid4()}/complete", json={"result": {}})
    assert response.status_code == 404 and response.json()["@type"] == "Error"
