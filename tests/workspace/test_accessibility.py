"""Accessibility basics in the browser: every form control has a label, every button and link
a name, and the work can be done from the keyboard alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from playwright.async_api import Page, expect

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order
from tests.workspace.conftest import SignIn, screenshot

# Controls without a name a screen reader could announce, and buttons or links without text.
UNNAMED = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const named = (el) => (el.labels && el.labels.length > 0) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.getAttribute('title');
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => visible(el) && el.type !== 'hidden' && !named(el));
  const actions = [...document.querySelectorAll('button, a[href]')]
    .filter((el) => visible(el) && !(el.textContent.trim() || el.getAttribute('aria-label')));
  return [...controls, ...actions].map((el) => el.outerHTML.slice(0, 120));
}"""


async def _tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} was not reached with the keyboard")


async def test_every_page_labels_its_controls(http: httpx.AsyncClient, sign_in: SignIn) -> None:
    order = await http.post(
        ORDERS, json=sample_order("handset-nova-x5", customer=f"a11y-{uuid.uuid4()}")
    )
    order_id = order.json()["id"]
    await wait_for_state(http, order_id)

    page = await sign_in("order-manager")  # every page
    for path, marker in [
        ("orders", "[data-page=orders]"),
        (f"orders/{order_id}", "svg.gantt"),
        ("fallout", "[data-page=fallout]"),
        ("tasks", "[data-page=tasks]"),
        ("jeopardy", "[data-page=jeopardy]"),
        ("kpis", "[data-page=kpis]"),
    ]:
        await page.goto(f"/workspace/#/{path}")
        await expect(page.locator(marker)).to_be_visible()
        assert await page.evaluate(UNNAMED) == [], path
        await screenshot(page, f"order-manager-{path.split('/')[0]}-with-data")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator("[data-page=signin]")).to_be_visible()
    assert await page.evaluate(UNNAMED) == []


async def test_an_order_manager_works_from_the_keyboard(
    http: httpx.AsyncClient, sign_in: SignIn, browser_page: Page
) -> None:
    customer = f"keys-{uuid.uuid4()}"
    # The technician comes in an hour: nothing has passed its point of no return yet.
    body = sample_order("fiber-broadband", customer=customer, start_in=timedelta(hours=1))
    order = await http.post(ORDERS, json=body)
    order_id = order.json()["id"]
    page = browser_page
    await page.goto("/workspace/")
    await _tab_to(page, "button[data-role='order-manager']")
    await page.keyboard.press("Enter")
    await expect(page.locator("[data-page=orders]")).to_be_visible()

    await _tab_to(page, "input[name=q]")
    await page.keyboard.type(customer)
    await page.keyboard.press("Enter")
    await expect(page.locator("tr[data-order-id]")).to_have_count(1)
    await _tab_to(page, f"tr[data-order-id='{order_id}'] a")
    await page.keyboard.press("Enter")
    await expect(page.locator("svg.gantt")).to_be_visible()

    await _tab_to(page, "button[data-action=cancel]")
    await page.keyboard.press("Enter")
    reason = page.get_by_label("Reason")
    await expect(reason).to_be_focused()
    await page.keyboard.type("customer moved")
    await page.keyboard.press("Enter")
    await expect(
        page.get_by_role("status").filter(has_text="Cancel the order: done")
    ).to_be_visible()
    await screenshot(page, "order-cancelled-by-keyboard")
    cancelled = await wait_for_state(http, order_id, {"cancelled"}, timeout=60)
    assert cancelled["state"] == "cancelled"
