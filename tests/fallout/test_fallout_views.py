"""What an agent sees of fallout (issue 26, item 12): the list, the summary and the CLI agree on
what is still to work, a retried case says `retrying` until its outcome is known, notes say
when and who, and bad filters or systems are refused."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx

from tests.conftest import AsClient
from tests.fallout.conftest import FALLOUT, Breaker, wait_for_cases
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def test_a_retried_case_is_retrying_until_its_outcome_then_leaves_the_open_list(
    http: httpx.AsyncClient, http_as: AsClient, break_system: Breaker
) -> None:
    ana, bo = http_as("fallout-agent", subject="ana"), http_as("fallout-agent", subject="bo")
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    body = sample_order("handset-nova-x5", customer=f"fo-view-{uuid.uuid4()}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    [case] = await wait_for_cases(http, {"orderId": order_id}, 1)
    mine = {"orderId": order_id}
    assert case["state"] == "open"
    assert (await http.get(FALLOUT, params={**mine, "state": "resolved"})).json() == []

    # Fixed, but slow: the retry takes a second and a half to give its outcome.
    await break_system("billing", failureRate=0.0, latencyMs=1500)
    await asyncio.sleep(1.0)
    retried = await ana.post(f"{FALLOUT}/{case['id']}/retry", json={})
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "retrying"
    assert [c["id"] for c in (await http.get(FALLOUT, params=mine)).json()] == [case["id"]]
    twice = await bo.post(f"{FALLOUT}/{case['id']}/retry", json={})
    assert twice.status_code == 409 and twice.json()["reason"].endswith("is retrying")

    assert (await wait_for_state(http, order_id))["state"] == "completed"
    resolved = (await http.get(f"{FALLOUT}/{case['id']}")).json()
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "retry")
    assert (await http.get(FALLOUT, params=mine)).json() == []  # not still to work
    everything = (await http.get(FALLOUT, params={**mine, "state": "all"})).json()
    assert [c["id"] for c in everything] == [case["id"]]
    summary = (await http.get(f"{FALLOUT}/summary", params=mine)).json()
    assert summary["bySystem"] == {}  # the summary counts what the list shows
    summary_all = (await http.get(f"{FALLOUT}/summary", params={**mine, "state": "all"})).json()
    assert summary_all["bySystem"] == {"billing": 1}
    notes = resolved["notes"]
    assert [(n["event"], n["author"]) for n in notes] == [
        ("opened", "billing"),
        ("retry", "ana"),
        ("retry succeeded", "billing"),
    ]
    assert all(ISO_Z.match(n["date"]) for n in notes), notes


async def test_bad_states_and_unknown_systems_are_refused(http: httpx.AsyncClient) -> None:
    bogus = await http.get(FALLOUT, params={"state": "bogus"})
    bogus_summary = await http.get(f"{FALLOUT}/summary", params={"state": "bogus"})
    unknown = await http.post(f"{FALLOUT}/bulk-retry", json={"system": "telex"})

    assert bogus.status_code == 400 and bogus.json()["code"] == "InvalidQuery"
    assert "retrying" in bogus.json()["message"]
    assert bogus_summary.status_code == 400
    assert unknown.status_code == 404 and "billing" in unknown.json()["message"]
