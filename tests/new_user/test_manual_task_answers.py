"""Completing a manual task (issue 26, item 11): it is done by someone, and the answer shows
the completion date that the task keeps."""

from __future__ import annotations

import uuid

import httpx

from tests.helpers import ORDERS, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order

TASKS = "/ops/v1/tasks"
INSTALLED = {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "RT-9"}


async def test_completing_an_unclaimed_task_claims_it_for_whoever_completes_it(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("fiber-broadband", customer=f"tech-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    task = await wait_for_open_task(http, order_id)

    nobody = await http.post(f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED})
    assert nobody.status_code == 409, nobody.text
    assert nobody.json()["code"] == "NotClaimed" and "completedBy" in nobody.json()["message"]
    assert (await http.get(f"{TASKS}/{task['id']}")).json()["state"] == "open"

    done = await http.post(
        f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED, "completedBy": "tech-zoe"}
    )

    assert done.status_code == 200, done.text
    answer = done.json()
    assert (answer["state"], answer["assignee"]) == ("completed", "tech-zoe")
    assert answer["claimedAt"] is not None and answer["completedAt"] is not None
    stored = (await http.get(f"{TASKS}/{task['id']}")).json()
    assert stored["completedAt"] == answer["completedAt"]
    assert stored["result"] == INSTALLED
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"


async def test_a_task_claimed_by_one_technician_is_not_completed_by_another(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("fiber-broadband", customer=f"tech-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    task = await wait_for_open_task(http, order_id)
    await http.post(f"{TASKS}/{task['id']}/claim", json={"assignee": "tech-anna"})

    other = await http.post(
        f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED, "completedBy": "tech-bob"}
    )
    own = await http.post(f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED})

    assert other.status_code == 409 and "tech-anna" in other.json()["reason"]
    assert own.status_code == 200 and own.json()["assignee"] == "tech-anna"
