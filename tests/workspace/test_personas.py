"""Each persona signs in and sees the pages of its role; a customer cannot reach the workspace."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Route, expect

from tests.workspace.conftest import SignIn, screenshot

PAGES = {
    "orders": "Orders",
    "fallout": "Fallout",
    "tasks": "Task inbox",
    "approvals": "Approvals",
    "jeopardy": "Jeopardy",
    "kpis": "KPIs",
}
# What each role's navigation offers (workspace/js/roles.js, after api/permissions.py).
ROLE_PAGES = {
    "order-agent": ["orders", "approvals", "jeopardy"],
    "order-manager": ["orders", "fallout", "tasks", "approvals", "jeopardy", "kpis"],
    "order-approver": ["orders", "approvals"],
    "fulfillment-agent": ["orders", "tasks", "jeopardy"],
    "fulfillment-manager": ["orders", "tasks", "jeopardy", "kpis"],
    "fallout-agent": ["orders", "fallout"],
    "fallout-manager": ["orders", "fallout", "jeopardy", "kpis"],
    "process-admin": ["orders"],
}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
async def test_each_persona_sees_the_pages_of_its_role(sign_in: SignIn, role: str) -> None:
    page = await sign_in(role)
    nav = page.get_by_role("navigation", name="Workspace")
    await expect(nav.get_by_role("link")).to_have_text([PAGES[p] for p in ROLE_PAGES[role]])
    await expect(page.locator("#who")).to_contain_text(role)
    for page_id in ROLE_PAGES[role]:
        await nav.get_by_role("link", name=PAGES[page_id]).click()
        await expect(page.locator(f"[data-page={page_id}]")).to_be_visible()
        await expect(page.get_by_role("link", name=PAGES[page_id])).to_have_attribute(
            "aria-current", "page"
        )
        await screenshot(page, f"{role}-{page_id}")
    # A page the role does not have is not reachable by its address either.
    hidden = [p for p in PAGES if p not in ROLE_PAGES[role]]
    for page_id in hidden:
        await page.goto(f"/workspace/#/{page_id}")
        await expect(page.locator("[data-page=orders]")).to_be_visible()


@pytest.mark.parametrize("role", ["customer", "channel"])
async def test_a_customer_cannot_reach_the_workspace(sign_in: SignIn, role: str) -> None:
    page = await sign_in(role)
    refusal = page.locator("[data-page=forbidden]")
    await expect(refusal).to_contain_text("The workspace is for operations staff")
    await expect(
        page.get_by_role("navigation", name="Workspace").get_by_role("link")
    ).to_have_count(0)
    await screenshot(page, f"{role}-refused")
    for page_id in PAGES:
        await page.goto(f"/workspace/#/{page_id}")
        await expect(refusal).to_be_visible()
        await expect(page.locator(f"[data-page={page_id}]")).to_have_count(0)


async def test_a_401_sends_the_user_back_to_sign_in(sign_in: SignIn) -> None:
    page = await sign_in("order-manager")
    await expect(page.locator("[data-page=orders]")).to_be_visible()

    async def unauthorized(route: Route) -> None:
        await route.fulfill(status=401, json={"code": "Unauthorized", "reason": "token expired"})

    await page.route(re.compile(r"/ops/v1/orders\?"), unauthorized)
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("[data-page=signin]")).to_be_visible()
    await expect(page.locator("[data-page=signin]")).to_contain_text("sign in again")
