"""Completing a manual task (issue 26, item 11): it is done by someone, the token's subject, and
the answer shows the completion date that the task keeps."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AsClient
from tests.helpers import ORDERS, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order

TASKS = "/ops/v1/tasks"
INSTALLED = {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "RT-9"}


async def test_completing_an_unclaimed_task_claims_it_for_whoever_completes_it(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    body = sample_order("fiber-broadband", customer=f"tech-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    task = await wait_for_open_task(http, order_id)
    zoe = http_as("fulfillment-agent", subject="tech-zoe")

    # Nobody completes a task in another's name.
    in_a_name = await zoe.post(
        f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED, "completedBy": "tech-max"}
    )
    assert in_a_name.status_code == 403, in_a_name.text
    assert (await http.get(f"{TASKS}/{task['id']}")).json()["state"] == "open"

    done = await zoe.post(f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED})

    assert done.status_code == 200, done.text
    answer = done.json()
    assert (answer["state"], answer["assignee"]) == ("completed", "tech-zoe")
    assert answer["claimedAt"] is not None and answer["completedAt"] is not None
    stored = (await http.get(f"{TASKS}/{task['id']}")).json()
    assert stored["completedAt"] == answer["completedAt"]
    assert stored["result"] == INSTALLED
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"


async def test_a_task_claimed_by_one_technician_is_not_completed_by_another(
    http: httpx.AsyncClient, http_as: AsClient
) -> None:
    body = sample_order("fiber-broadband", customer=f"tech-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    task = await wait_for_open_task(http, order_id)
    anna = http_as("fulfillment-agent", subject="tech-anna")
    bob = http_as("fulfillment-agent", subject="tech-bob")
    claimed = await anna.post(f"{TASKS}/{task['id']}/claim", json={})
    assert claimed.status_code == 200, claimed.text

    other = await bob.post(f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED})
    own = await anna.post(f"{TASKS}/{task['id']}/complete", json={"result": INSTALLED})

    assert other.status_code == 403 and "someone else" in other.json()["reason"]
    assert own.status_code == 200 and own.json()["assignee"] == "tech-anna"
