"""In-flight amendments: PATCH re-plans the order; PONR and compensation hold."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx

from store.simulators import active_resources, effects_for
from tests.conftest import AsClient
from tests.helpers import ORDERS, eventually, wait_for_open_task, wait_for_state
from tests.sample_orders import SAMPLE_ITEMS, order_body, sample_order

MERGE_PATCH = {"content-type": "application/merge-patch+json"}
# The technician or the start date is that far off: the amendments land well before it (they
# take a few seconds even on a loaded machine), and each test waits it out in real time.
LATER = timedelta(seconds=15)


async def _plan_until(
    http: httpx.AsyncClient, order_id: str, task_suffix: str, status: str, timeout: float = 30
) -> dict[str, Any]:
    # An open order's plan is a query of its workflow (a workflow task in the worker): polled
    # with the shared helper's backoff, not every 0.2 s.
    async def probe() -> dict[str, Any] | None:
        response = await http.get(f"/ops/v1/orders/{order_id}/plan")
        if response.status_code == 200:
            plan = response.json()
            if any(t["id"].endswith(task_suffix) and t["status"] == status for t in plan["tasks"]):
                return dict(plan)
        return None

    return await eventually(probe, timeout, what=f"a task *{task_suffix} {status} in {order_id}")


def _with_chars(item: dict[str, Any], **values: Any) -> dict[str, Any]:
    chars = {c["name"]: c["value"] for c in item["product"]["productCharacteristic"]}
    chars.update(values)
    return {
        **item,
        "product": {"productCharacteristic": [{"name": k, "value": v} for k, v in chars.items()]},
    }


def _operations(order_id: str) -> Counter[str]:
    return Counter(e.operation for e in effects_for(order_id))


async def test_characteristic_change_before_ponr_redoes_only_what_it_touches(
    http: httpx.AsyncClient, http_as: AsClient, workforce: None
) -> None:
    agent = http_as("order-agent", subject="agent-7")
    body = sample_order("fiber-broadband", customer=f"amend-{uuid.uuid4()}", start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":reserve-port", "completed")

    item = _with_chars(body["productOrderItem"][0], downloadSpeed=500)
    # The amendment is in the name of the token's subject, never of a header or the body.
    response = await agent.patch(
        f"{ORDERS}/{order_id}",
        json={"productOrderItem": [item]},
        headers={**MERGE_PATCH, "X-Tessera-Actor": "someone-else", "X-Tessera-Reason": "upsell"},
    )

    assert response.status_code == 200, response.text
    amended = response.json()
    assert amended["version"] == 2
    [record] = amended["amendment"]
    assert record["actor"] == "agent-7" and record["changedItems"] == ["1"]
    assert record["redone"] == ["service-rfs-ftth-access-1:reserve-port"]
    assert not record["discarded"] and not record["added"]
    done = await wait_for_state(http, order_id, timeout=90)
    assert done["state"] == "completed"
    operations = _operations(order_id)
    assert operations["reserve_port"] == 2 and operations["release_port"] == 1
    assert operations["ship"] == 1, "the router shipment was not touched"
    inventory = (
        await http.get(
            "/tmf-api/productInventory/v4/product",
            params={"relatedParty.id": body["relatedParty"][0]["id"]},
        )
    ).json()
    speeds = {
        c["value"]
        for p in inventory
        for c in p.get("productCharacteristic", [])
        if c["name"] == "downloadSpeed"
    }
    assert speeds == {500}
    recurring = [p for p in done["orderTotalPrice"] if p["priceType"] == "recurring"]
    assert recurring[0]["price"]["taxIncludedAmount"]["value"] == 39.99
    ports = [r for r in active_resources(order_id) if r.system == "inventory" and r.kind == "port"]
    assert len(ports) == 1


async def test_amendment_after_ponr_is_refused_and_the_order_completes_unchanged(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("fiber-broadband", customer=f"ponr-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":install", "running", timeout=60)  # PONR task started

    item = _with_chars(body["productOrderItem"][0], downloadSpeed=1000)
    refused = await http.patch(
        f"{ORDERS}/{order_id}", json={"productOrderItem": [item]}, headers=MERGE_PATCH
    )

    assert refused.status_code == 409
    assert refused.json()["code"] == "PointOfNoReturn" and "1" in refused.json()["reason"]
    order = (await http.get(f"{ORDERS}/{order_id}")).json()
    assert order["productOrderItem"][0]["pointOfNoReturn"] is True
    task = await wait_for_open_task(http, order_id)
    await http.post(
        f"/ops/v1/tasks/{task['id']}/complete",
        json={
            "result": {"installedAt": "2026-11-22T10:00:00Z", "serialNumber": "S1"},
        },
    )
    done = await wait_for_state(http, order_id, timeout=60)
    assert done["state"] == "completed" and done["version"] == 1


async def test_add_an_item_then_remove_one_whose_work_is_done(
    http: httpx.AsyncClient, workforce: None
) -> None:
    mobile = {
        "id": "m",
        "action": "add",
        "productOffering": {"id": "mobile-postpaid"},
        "product": {
            "productCharacteristic": [
                {"name": "simType", "value": "esim"},
                {"name": "dateOfBirth", "value": "1990-01-01"},
            ]
        },
    }
    body = order_body([mobile], customer=f"addrm-{uuid.uuid4()}", start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":provision-esim", "completed")

    phone = {**SAMPLE_ITEMS["handset-nova-x5"][0], "id": "h"}
    added = await http.patch(
        f"{ORDERS}/{order_id}", json={"productOrderItem": [mobile, phone]}, headers=MERGE_PATCH
    )
    assert added.status_code == 200, added.text
    assert added.json()["amendment"][0]["addedItems"] == ["h"]
    await _plan_until(http, order_id, "product-handset-h:assetize", "completed")

    removed = await http.patch(
        f"{ORDERS}/{order_id}", json={"productOrderItem": [phone]}, headers=MERGE_PATCH
    )
    assert removed.status_code == 200, removed.text
    record = removed.json()["amendment"][1]
    assert record["removedItems"] == ["m"]
    assert record["compensated"] == ["resource-esim-profile-m:provision-esim"]

    done = await wait_for_state(http, order_id, timeout=60)
    assert done["state"] == "completed" and done["version"] == 3
    assert {i["id"]: i["state"] for i in done["productOrderItem"]} == {
        "h": "completed",
        "m": "cancelled",
    }
    operations = _operations(order_id)
    assert operations["provision_esim"] == 1 and operations["deactivate_sim"] == 1
    assert {r.item_id for r in active_resources(order_id)} == {"h"}


async def test_bad_patches_get_tmf_errors(http: httpx.AsyncClient, workforce: None) -> None:
    body = sample_order("fiber-broadband", customer=f"badpatch-{uuid.uuid4()}", start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":reserve-port", "completed")
    url = f"{ORDERS}/{order_id}"

    state = await http.patch(url, json={"state": "completed"}, headers=MERGE_PATCH)
    assert state.status_code == 400 and state.json()["code"] == "NonPatchableField"
    text = await http.patch(url, content="x", headers={"content-type": "text/plain"})
    assert text.status_code == 415
    item = _with_chars(body["productOrderItem"][0], downloadSpeed=42)
    invalid = await http.patch(url, json={"productOrderItem": [item]}, headers=MERGE_PATCH)
    assert invalid.status_code == 409 and invalid.json()["code"] == "Invalid"
    unknown = await http.patch(
        f"{ORDERS}/{uuid.uuid4()}", json={"description": "x"}, headers=MERGE_PATCH
    )
    assert unknown.status_code == 404
    dates = await http.patch(
        url, json={"requestedCompletionDate": "2027-01-31T00:00:00Z"}, headers=MERGE_PATCH
    )
    assert dates.status_code == 200 and dates.json()["requestedCompletionDate"].startswith(
        "2027-01-31"
    )
    await wait_for_state(http, order_id, timeout=90)
    closed = await http.patch(url, json={"description": "late"}, headers=MERGE_PATCH)
    assert closed.status_code == 409 and closed.json()["code"] == "InvalidState"


async def test_an_open_manual_job_gets_the_amended_data_with_a_note(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("mobile-postpaid", customer=f"porting-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await _plan_until(http, order_id, ":check-port", "running")
    job = await wait_for_open_task(http, order_id)
    claimed = await http.post(f"/ops/v1/tasks/{job['id']}/claim", json={"assignee": "desk-1"})
    assert claimed.status_code == 200

    item = _with_chars(body["productOrderItem"][0], msisdnToPort="+33699999999")
    response = await http.patch(
        f"{ORDERS}/{order_id}", json={"productOrderItem": [item]}, headers=MERGE_PATCH
    )

    assert response.status_code == 200, response.text
    [record] = response.json()["amendment"]
    assert any(t.endswith(":check-port") for t in record["updated"])
    job_id = job["id"]

    async def noted() -> dict[str, Any] | None:
        found = (await http.get(f"/ops/v1/tasks/{job_id}")).json()
        return dict(found) if found["note"] else None

    job = await eventually(noted, timeout=20, what="the amendment's note on the task")
    assert job["params"]["msisdn"] == "+33699999999"
    assert "amended" in job["note"] and job["state"] == "claimed" and job["assignee"] == "desk-1"
    done = await http.post(
        f"/ops/v1/tasks/{job['id']}/complete",
        json={"result": {"approved": True, "portDate": "2026-12-01"}},
    )
    assert done.status_code == 200, done.text
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"
    ported = [e for e in effects_for(order_id) if e.operation == "port_in"]
    assert [e.request["params"].get("msisdn") for e in ported] == ["+33699999999"]
