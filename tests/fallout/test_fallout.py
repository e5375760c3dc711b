"""Fallout: a task that fails for good waits for an agent, and the order goes on after."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import httpx
from temporalio.client import Client

from store.simulators import active_resources
from tests.auth import TEST_SUBJECT
from tests.conftest import AsClient
from tests.fallout.conftest import FALLOUT, Breaker, wait_for_cases
from tests.helpers import (
    ORDERS,
    eventually,
    order_histories_text,
    wait_for_item_states,
    wait_for_state,
)
from tests.sample_orders import SAMPLE_ITEMS, order_body, sample_order
from workflows import search_attributes as sa

# Each process caches the simulators' settings this long (activities/southbound/faults.py).
CONFIG_PROPAGATION = 1.0
SOON = timedelta(seconds=2)


async def _order(http: httpx.AsyncClient, offering: str = "handset-nova-x5") -> str:
    created = await http.post(ORDERS, json=sample_order(offering, customer=f"fo-{uuid.uuid4()}"))
    assert created.status_code == 201
    return str(created.json()["id"])


async def _fallout_count_becomes(client: Client, order_id: str, count: int) -> None:
    async def probe() -> bool:
        described = await client.get_workflow_handle(f"order-{order_id}").describe()
        return described.typed_search_attributes.get(sa.FALLOUT_COUNT) == count

    await eventually(probe, timeout=15, what=f"FalloutCount {count} on order-{order_id}")


async def test_permanent_failure_opens_a_case_and_a_retry_completes_the_order(
    http: httpx.AsyncClient, http_as: AsClient, client: Client, break_system: Breaker
) -> None:
    ana = http_as("fallout-agent", subject="ana")
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    order_id = await _order(http)

    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)
    assert (case["system"], case["operation"]) == ("billing", "start_billing")
    assert case["errorType"] == "SouthboundPermanentError"
    held = await wait_for_item_states(http, order_id, {"1": "held"})
    assert held["state"] == "inProgress"
    # The order's item shows held once the store has it; the workflow's search attribute follows
    # in its next workflow task, so the Temporal UI's count is waited for, not raced.
    await _fallout_count_becomes(client, order_id, 1)
    summary = (await http.get(f"{FALLOUT}/summary", params={"orderId": order_id})).json()
    assert summary["bySystem"] == {"billing": 1}

    await http.delete("/ops/v1/simulators/billing")  # the agent fixed the cause
    await asyncio.sleep(CONFIG_PROPAGATION)
    # A manager gives the case to ana; only she (or a manager) may work it from then on.
    assigned = await http.post(f"{FALLOUT}/{case['id']}/assign", json={"agent": "ana"})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "ana"
    other = http_as("fallout-agent", subject="bo")
    taken = await other.post(f"{FALLOUT}/{case['id']}/retry", json={})
    assert taken.status_code == 403, taken.text
    retried = await ana.post(
        f"{FALLOUT}/{case['id']}/retry", json={"agent": "ana", "note": "billing fixed"}
    )
    assert retried.status_code == 200, retried.text

    done = await wait_for_state(http, order_id)
    assert done["state"] == "completed"
    # Who did what is the tokens' subjects and roles, in the order's history.
    history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
    acts = {e["eventType"]: e for e in history if e["eventType"].startswith("ProductOrderFallout")}
    assign = acts["ProductOrderFalloutAssignedEvent"]
    assert (assign["actor"], assign["actorRole"]) == (TEST_SUBJECT, "fallout-manager")
    assert assign["title"].endswith("assigned to ana")
    retry = acts["ProductOrderFalloutResolvedEvent"]
    assert (retry["actor"], retry["actorRole"]) == ("ana", "fallout-agent")
    resolved = (await http.get(f"{FALLOUT}/{case['id']}")).json()
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "retry")
    assert [n["event"] for n in resolved["notes"]] == [
        "opened",
        "assign",
        "retry",
        "retry succeeded",
    ]
    await _fallout_count_becomes(client, order_id, 0)
    again = await ana.post(f"{FALLOUT}/{case['id']}/retry", json={"agent": "ana"})
    assert again.status_code == 409 and again.json()["code"] == "InvalidState"


async def test_skip_goes_on_with_the_agents_result(
    http: httpx.AsyncClient, break_system: Breaker
) -> None:
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    order_id = await _order(http)
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)

    empty = await http.post(f"{FALLOUT}/{case['id']}/skip", json={"result": {}})
    assert empty.status_code == 422 and empty.json()["code"] == "InvalidResult"
    skipped = await http.post(
        f"{FALLOUT}/{case['id']}/skip",
        json={"note": "billed by hand", "result": {"invoice": "INV-7"}},
    )
    assert skipped.status_code == 200, skipped.text

    done = await wait_for_state(http, order_id)
    assert done["state"] == "completed"
    plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
    charge = next(t for t in plan["tasks"] if t["id"].endswith(":charge"))
    assert charge["status"] == "completed"


async def test_failing_an_item_undoes_its_work_and_the_order_ends_partial(
    http: httpx.AsyncClient, break_system: Breaker, workforce: None
) -> None:
    await break_system("activation", failureRate=1.0, failureMode="permanent")
    items = [
        {**SAMPLE_ITEMS["fiber-broadband"][0], "id": "bb"},
        {**SAMPLE_ITEMS["handset-nova-x5"][0], "id": "phone"},
    ]
    created = await http.post(ORDERS, json=order_body(items, customer=f"fo-{uuid.uuid4()}"))
    order_id = created.json()["id"]
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1, timeout=90)
    assert case["system"] == "activation"

    failed = await http.post(
        f"{FALLOUT}/{case['id']}/fail", json={"note": "no capacity at the exchange"}
    )
    assert failed.status_code == 200, failed.text

    done = await wait_for_state(http, order_id, timeout=60)
    assert done["state"] == "partial"
    states = {i["id"]: i["state"] for i in done["productOrderItem"]}
    assert states == {"bb": "failed", "phone": "completed"}
    assert any(e["code"] == "TaskFailed" for e in done["errorMessage"])
    # The broadband's port, router shipment and appointment were undone; the phone's stay.
    await asyncio.sleep(0)  # compensation ran before the order's final write
    left = {(r.item_id, r.system) for r in active_resources(order_id)}
    assert {item for item, _ in left} == {"phone"}, left


async def test_outage_holds_orders_and_they_resume_by_themselves(
    http: httpx.AsyncClient, break_system: Breaker
) -> None:
    await break_system("shipping", offline=True)
    order_ids = await asyncio.gather(*(_order(http) for _ in range(30)))

    await asyncio.gather(
        *(wait_for_item_states(http, o, {"1": "held"}, timeout=120) for o in order_ids)
    )
    plan = (await http.get(f"/ops/v1/orders/{order_ids[0]}/plan")).json()
    ship = next(t for t in plan["tasks"] if t["id"].endswith(":ship"))
    assert ship["status"] == "held"

    await http.patch("/ops/v1/simulators/shipping", json={"offline": False})
    done = await asyncio.gather(*(wait_for_state(http, o, timeout=150) for o in order_ids))

    assert {o["state"] for o in done} == {"completed"}
    for order_id in order_ids:
        cases = (await http.get(FALLOUT, params={"orderId": order_id})).json()
        assert cases == [], "an outage is a hold, never fallout"


async def test_bulk_retry_after_an_outage_of_one_system(
    http: httpx.AsyncClient, break_system: Breaker
) -> None:
    await break_system("shipping", failureRate=1.0, failureMode="permanent")
    order_ids = await asyncio.gather(*(_order(http) for _ in range(30)))
    for order_id in order_ids:
        await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1, timeout=120)

    await http.delete("/ops/v1/simulators/shipping")
    await asyncio.sleep(CONFIG_PROPAGATION)
    response = await http.post(
        f"{FALLOUT}/bulk-retry", json={"system": "shipping", "note": "fixed"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["retried"] >= 30 and response.json()["failed"] == []
    done = await asyncio.gather(*(wait_for_state(http, o, timeout=150) for o in order_ids))
    assert {o["state"] for o in done} == {"completed"}
    still_open = await http.get(FALLOUT, params={"system": "shipping", "state": "open"})
    assert still_open.json() == []


async def test_cancelling_an_order_withdraws_its_open_fallout_case(
    http: httpx.AsyncClient, break_system: Breaker
) -> None:
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    order_id = await _order(http)
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)

    cancel = await http.post(
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        json={"productOrder": {"id": order_id}, "cancellationReason": "changed mind"},
    )
    assert cancel.status_code == 201, cancel.text

    assert (await wait_for_state(http, order_id))["state"] == "cancelled"
    withdrawn = (await http.get(f"{FALLOUT}/{case['id']}")).json()
    assert (withdrawn["state"], withdrawn["resolution"]) == ("resolved", "withdrawn")
    assert [n["event"] for n in withdrawn["notes"]] == ["opened", "withdrawn"]
    late = await http.post(f"{FALLOUT}/{case['id']}/retry", json={})
    assert late.status_code == 409 and late.json()["code"] == "InvalidState"


async def test_a_porting_pin_given_again_in_a_retry_is_sealed_like_the_order(
    http: httpx.AsyncClient, client: Client, break_system: Breaker, workforce: None
) -> None:
    await break_system("portability", failureRate=1.0, failureMode="permanent")
    body = sample_order("mobile-postpaid", customer=f"fo-pin-{uuid.uuid4()}", start_in=SOON)
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)
    assert (case["system"], case["operation"]) == ("portability", "port_in")

    bad = await http.post(f"{FALLOUT}/{case['id']}/retry", json={"params": {"portingPin": "12"}})
    assert bad.status_code == 422 and "portingPin" in bad.json()["reason"], bad.text
    await http.delete("/ops/v1/simulators/portability")
    await asyncio.sleep(CONFIG_PROPAGATION)
    retried = await http.post(
        f"{FALLOUT}/{case['id']}/retry",
        json={"params": {"portingPin": "66602468"}},
    )
    assert retried.status_code == 200, retried.text

    done = await wait_for_state(http, order_id, timeout=60)
    assert done["state"] == "completed", done.get("errorMessage")
    histories = await order_histories_text(client, order_id)
    assert "66602468" not in histories
    # The order's own reference, and the retry's: the system got the PIN through the latter.
    assert len(set(re.findall(r"sealed:[0-9a-f]{32}", histories))) == 2
