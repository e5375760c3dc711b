"""Draft orders handed between channels: one record every channel reads, edits and prices; the
submit starts it as a POSTed order starts; a draft not submitted in time expires."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from temporalio.client import Client

from store import drafts as store_drafts
from store import orders
from store.db import session_scope
from store.order_tables import ProductOrderRecord
from tests.api.test_admission import workflow_exists
from tests.conftest import AsClient
from tests.helpers import ORDERS, eventually, wait_for_state
from tests.sample_orders import SAMPLE_ITEMS, order_body

MERGE = {"Content-Type": "application/merge-patch+json"}


def handset_and_fiber() -> list[dict[str, Any]]:
    fiber = copy.deepcopy(SAMPLE_ITEMS["fiber-broadband"][0])
    fiber["id"] = "2"
    return [copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0]), fiber]


def plan_shape(plan: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What a plan does, item by item, without the ids and times that differ between orders."""
    return sorted((t["itemId"], t["name"], t["kind"]) for t in plan["tasks"])


async def planned(http: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await http.get(f"/ops/v1/orders/{order_id}/plan")
        plan: dict[str, Any] = response.json()
        return plan if response.status_code == 200 and plan.get("tasks") else None

    return await eventually(probe, what=f"the plan of {order_id}")


async def test_draft_started_in_one_channel_amended_in_another_then_submitted(
    http: httpx.AsyncClient, http_as: AsClient, client: Client, workforce: None
) -> None:
    run = uuid.uuid4().hex[:8]
    party = f"cust-draft-{run}"
    customer = http_as("customer", party, f"carla-{run}")
    agent = http_as("order-agent", None, f"agent-{run}")
    stranger = http_as("customer", f"other-{run}", f"oscar-{run}")
    body = order_body(
        [copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])], customer=party, channel="web"
    )
    created = await customer.post(ORDERS, json={**body, "state": "draft"})
    assert created.status_code == 201, created.text
    draft = created.json()
    order_id = draft["id"]
    assert draft["state"] == "draft"
    assert "draftExpirationDate" in draft
    # Not submitted: no workflow, nothing waiting in the admission queue.
    assert not await workflow_exists(client, order_id)
    assert not orders.is_queued(order_id)

    # A call-center agent picks it up, adds fiber and prices it.
    items = handset_and_fiber()
    amended = await agent.patch(
        f"{ORDERS}/{order_id}",
        json={"productOrderItem": items},
        headers={**MERGE, "X-Tessera-Channel": "call-center"},
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["state"] == "draft"
    assert [i["id"] for i in amended.json()["productOrderItem"]] == ["1", "2"]
    assert not await workflow_exists(client, order_id)
    preview = await agent.get(f"/ops/v1/orders/{order_id}/plan-preview")
    assert preview.status_code == 200, preview.text
    assert {t["itemId"] for t in preview.json()["tasks"]} == {"1", "2"}
    assert preview.json()["orderTotalPrice"]

    # Another customer cannot see, price, edit or submit it.
    href = f"{ORDERS}/{order_id}"
    assert (await stranger.get(href)).status_code == 404
    assert (await stranger.get(f"/ops/v1/orders/{order_id}/plan-preview")).status_code == 404
    assert (await stranger.patch(href, json={"description": "x"}, headers=MERGE)).status_code == 404
    assert (await stranger.post(f"/ops/v1/orders/{order_id}/submit")).status_code == 404
    assert order_id not in {o["id"] for o in (await stranger.get(ORDERS)).json()}

    # The customer submits it in self-care.
    submitted = await customer.patch(
        href, json={"state": "acknowledged"}, headers={**MERGE, "X-Tessera-Channel": "self-care"}
    )
    assert submitted.status_code == 200, submitted.text
    order = submitted.json()
    assert order["id"] == order_id and order["state"] == "acknowledged"
    assert "draftExpirationDate" not in order
    assert [c["id"] for c in order["channel"]] == ["web", "call-center", "self-care"]
    assert [(n["author"], n["text"]) for n in order["note"]] == [
        (f"carla-{run}", "draft created in channel web"),
        (f"agent-{run}", "draft amended in channel call-center"),
        (f"carla-{run}", "draft submitted in channel self-care"),
    ]

    # The same items ordered directly get the same plan.
    direct = (await http.post(ORDERS, json=order_body(items, customer=party))).json()
    from_draft, from_post = await planned(http, order_id), await planned(http, direct["id"])
    assert plan_shape(from_draft) == plan_shape(from_post)
    done = await wait_for_state(http, order_id, timeout=90)
    direct_done = await wait_for_state(http, direct["id"], timeout=90)
    assert done["state"] == direct_done["state"] == "completed"
    assert [c["id"] for c in done["channel"]] == ["web", "call-center", "self-care"]

    # Submitted once: a second submit is refused.
    again = await customer.post(f"/ops/v1/orders/{order_id}/submit")
    assert again.status_code == 409
    assert again.json()["code"] == "NotADraft"


async def test_submit_endpoint_starts_the_draft_and_its_list_shows_it(
    http: httpx.AsyncClient, client: Client
) -> None:
    body = order_body([copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])], customer="cust-d2")
    draft = (await http.post(ORDERS, json={**body, "state": "draft"})).json()
    drafts_listed = (await http.get(ORDERS, params={"state": "draft"})).json()
    assert draft["id"] in [d["id"] for d in drafts_listed]

    submitted = await http.post(
        f"/ops/v1/orders/{draft['id']}/submit", headers={"X-Tessera-Channel": "retail-shop"}
    )

    assert submitted.status_code == 200, submitted.text
    assert [c["id"] for c in submitted.json()["channel"]] == ["web", "retail-shop"]
    assert (await wait_for_state(http, draft["id"]))["state"] == "completed"
    assert await workflow_exists(client, draft["id"])


async def test_an_invalid_draft_edit_is_refused_and_changes_nothing(
    http: httpx.AsyncClient,
) -> None:
    body = order_body([copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])], customer="cust-d3")
    draft = (await http.post(ORDERS, json={**body, "state": "draft"})).json()

    empty = await http.patch(
        f"{ORDERS}/{draft['id']}", json={"productOrderItem": []}, headers=MERGE
    )
    closing = await http.patch(
        f"{ORDERS}/{draft['id']}", json={"state": "completed"}, headers=MERGE
    )

    assert empty.status_code == 422
    assert closing.status_code == 400 and closing.json()["code"] == "InvalidState"
    stored = (await http.get(f"{ORDERS}/{draft['id']}")).json()
    assert stored["state"] == "draft" and len(stored["productOrderItem"]) == 1


def _age(order_id: str, expired_at: datetime) -> None:
    """The draft as it would be once its time is up."""
    with session_scope() as session:
        record = session.get(ProductOrderRecord, order_id)
        assert record is not None
        stamp = expired_at.isoformat().replace("+00:00", "Z")
        record.document = {**record.document, "draftExpirationDate": stamp}
        session.add(record)


async def test_an_expired_draft_is_refused_on_submit_and_marked(http: httpx.AsyncClient) -> None:
    body = order_body([copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])], customer="cust-d4")
    draft = (await http.post(ORDERS, json={**body, "state": "draft"})).json()
    created = datetime.fromisoformat(draft["orderDate"])
    expires = datetime.fromisoformat(draft["draftExpirationDate"])
    assert expires - created == timedelta(hours=72)  # ORDER_DRAFT_TTL_HOURS' default
    _age(draft["id"], datetime.now(UTC) - timedelta(minutes=1))

    refused = await http.post(f"/ops/v1/orders/{draft['id']}/submit")

    assert refused.status_code == 409
    assert refused.json()["code"] == "DraftExpired"
    stored = (await http.get(f"{ORDERS}/{draft['id']}")).json()
    assert stored["state"] == "cancelled"
    assert stored["cancellationReason"] == "Draft expired before it was submitted"
    assert not orders.is_queued(draft["id"])


async def test_the_sweep_cancels_only_expired_drafts(http: httpx.AsyncClient) -> None:
    body = order_body([copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])], customer="cust-d5")
    old = (await http.post(ORDERS, json={**body, "state": "draft"})).json()
    fresh = (await http.post(ORDERS, json={**body, "state": "draft"})).json()
    _age(old["id"], datetime.now(UTC) - timedelta(seconds=1))

    swept = store_drafts.expire_drafts(datetime.now(UTC))

    assert old["id"] in swept and fresh["id"] not in swept
    assert (await http.get(f"{ORDERS}/{old['id']}")).json()["state"] == "cancelled"
    assert (await http.get(f"{ORDERS}/{fresh['id']}")).json()["state"] == "draft"


async def test_a_draft_whose_completion_date_passed_is_refused_on_submit(
    http: httpx.AsyncClient,
) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=2)
    body = order_body(
        [copy.deepcopy(SAMPLE_ITEMS["handset-nova-x5"][0])],
        customer="cust-d6",
        start_in=timedelta(seconds=1),
        requestedCompletionDate=soon.isoformat().replace("+00:00", "Z"),
    )
    draft = (await http.post(ORDERS, json={**body, "state": "draft"})).json()
    assert draft["state"] == "draft", draft
    await asyncio.sleep(3)

    refused = await http.post(f"/ops/v1/orders/{draft['id']}/submit")

    assert refused.status_code == 422, refused.text
    assert "requestedCompletionDate" in refused.json()["reason"]
    assert (await http.get(f"{ORDERS}/{draft['id']}")).json()["state"] == "draft"
