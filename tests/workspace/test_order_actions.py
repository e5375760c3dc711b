"""The order page's actions in the browser: an order agent amends a characteristic, an order
manager provides the information a staggered order waits for, an approver approves an order
waiting for approval."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from playwright.async_api import expect

from tests.helpers import ORDERS, eventually, wait_for_item_states, wait_for_state
from tests.rules.support import handset
from tests.sample_orders import sample_order
from tests.workspace.conftest import SignIn, screenshot

LATER = timedelta(hours=1)  # the technician comes later: nothing passes a PONR meanwhile


async def test_an_order_agent_amends_a_characteristic(
    http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    body = sample_order("fiber-broadband", customer=f"amend-{uuid.uuid4()}", start_in=LATER)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await wait_for_item_states(http, order_id, {"1": "inProgress"})

    page = await sign_in("order-agent")
    await page.goto(f"/workspace/#/orders/{order_id}")
    await expect(page.locator("button[data-action=ponrOverride]")).to_have_count(0)
    await page.get_by_role("button", name="Amend a characteristic").click()
    form = page.get_by_role("form", name="Amend a characteristic")
    await form.get_by_label("Characteristic").fill("downloadSpeed")
    await form.get_by_label("New value").fill("500")
    await form.get_by_label("Reason").fill("upsell")
    await form.get_by_role("button", name="Amend").click()
    await expect(form.get_by_role("status")).to_contain_text("done")

    order = (await http.get(f"{ORDERS}/{order_id}")).json()
    assert order["version"] == 2
    [amendment] = order["amendment"]
    assert (amendment["actor"], amendment["reason"], amendment["changedItems"]) == (
        "olga",
        "upsell",
        ["1"],
    )
    chars = {
        c["name"]: c["value"]
        for c in order["productOrderItem"][0]["product"]["productCharacteristic"]
    }
    assert (
        chars["downloadSpeed"] == 500
        and chars["installationAddress"]
        == body["productOrderItem"][0]["product"]["productCharacteristic"][1]["value"]
    )
    history = page.get_by_role("table", name="Order history")
    await expect(history.get_by_role("row").filter(has_text="olga")).not_to_have_count(0)
    await screenshot(page, "order-amended")
    await http.post(
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        json={"productOrder": {"id": order_id}, "cancellationReason": "test over"},
    )


async def test_an_order_manager_provides_the_missing_address(
    http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    body = sample_order("fiber-broadband", customer=f"info-{uuid.uuid4()}", start_in=LATER)
    item = body["productOrderItem"][0]
    item["product"]["productCharacteristic"] = [
        c for c in item["product"]["productCharacteristic"] if c["name"] != "installationAddress"
    ]
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    await wait_for_item_states(http, order_id, {"1": "pending"})

    page = await sign_in("order-manager")
    await page.goto(f"/workspace/#/orders/{order_id}")
    await expect(page.get_by_text("item 1 needs installationAddress")).to_be_visible()
    await page.get_by_role("button", name="Provide missing information").click()
    form = page.get_by_role("form", name="Provide missing information")
    await expect(form.get_by_label("Characteristic")).to_have_value("installationAddress")
    await form.get_by_label("Value").fill("3 Rue Lepic, 75018 Paris")
    await form.get_by_role("button", name="Provide").click()
    await expect(form.get_by_role("status")).to_contain_text("done")

    await wait_for_item_states(http, order_id, {"1": "inProgress"})

    async def planned() -> bool:
        plan = (await http.get(f"/ops/v1/orders/{order_id}/plan")).json()
        return not plan["deferred"] and any(t["id"].endswith(":install") for t in plan["tasks"])

    await eventually(planned, what="the deferred part planned")
    await expect(page.locator("svg.gantt g.gantt-task[data-task-id$=':install']")).to_have_count(1)
    await screenshot(page, "order-information-provided")
    await http.post(
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        json={"productOrder": {"id": order_id}, "cancellationReason": "test over"},
    )


async def test_an_approver_approves_an_order_waiting_for_approval(
    http: httpx.AsyncClient, sign_in: SignIn, review_rules: None
) -> None:
    order_id = (await http.post(ORDERS, json=handset(f"appr-{uuid.uuid4()}", 256))).json()["id"]
    await wait_for_state(http, order_id, {"pending"}, timeout=60)

    agent = await sign_in("order-agent")
    await agent.goto(f"/workspace/#/orders/{order_id}")
    await expect(agent.locator("[data-review=approval]")).to_contain_text("above 650 EUR")
    await expect(agent.locator("button[data-action=approve]")).to_have_count(0)

    page = await sign_in("order-approver")
    await (
        page.get_by_role("navigation", name="Workspace")
        .get_by_role("link", name="Approvals")
        .click()
    )
    waiting = page.locator(f"[data-page=approvals] tr[data-order-id='{order_id}']")
    await expect(waiting).to_contain_text("above 650 EUR")
    await waiting.get_by_role("link").click()
    await expect(page.locator("[data-review=approval]")).to_contain_text("above 650 EUR")
    await page.get_by_role("button", name="Approve", exact=True).click()
    form = page.get_by_role("form", name="Approve the order")
    await form.get_by_label("Note").fill("within budget")
    await form.get_by_role("button", name="Approve").click()
    await expect(form.get_by_role("status")).to_contain_text("done")
    await screenshot(page, "order-approved")

    done = await wait_for_state(http, order_id, {"completed"}, timeout=60)
    assert (done["review"][-1]["decidedBy"], done["review"][-1]["decisionReason"]) == (
        "april",
        "within budget",
    )
