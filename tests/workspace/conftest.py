"""Browser tests of the workspace: Playwright driving Debian's chromium (nothing downloaded).

One browser for the session (a launch costs CPU seconds; each module had its own); each test
opens its own context (its own sessionStorage, so its own sign-in). Screenshots go to
.artifacts/workspace/ (gitignored) for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import ROOT, ApiServer
from tests.fallout.conftest import break_system

# The fallout tests' fixture: a system's simulator set to fail, reset afterwards.
__all__ = ["break_system"]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / ".artifacts" / "workspace"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

SignIn = Callable[[str], Awaitable[Page]]


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/ensure-chromium.sh (make test does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        await context.close()


@pytest_asyncio.fixture
async def sign_in(
    api_server: ApiServer, http: object, contexts: list[BrowserContext], browser: Browser
) -> SignIn:
    """`page = await sign_in("fallout-agent")`: a fresh browser context, signed in on the
    sign-in page by picking that persona."""

    async def open_as(role: str) -> Page:
        context = await browser.new_context(
            base_url=api_server.base_url, viewport={"width": 1400, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = await context.new_page()
        await page.goto("/workspace/")
        await expect(page.locator("[data-page=signin]")).to_be_visible()
        await page.locator(f"button[data-role='{role}']").click()
        await expect(page).not_to_have_url(re.compile(r"#/signin$"))
        return page

    return open_as


@pytest_asyncio.fixture
async def browser_page(
    api_server: ApiServer, http: object, contexts: list[BrowserContext], browser: Browser
) -> Page:
    """A fresh page, not signed in."""
    context = await browser.new_context(
        base_url=api_server.base_url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15_000)
    contexts.append(context)
    return await context.new_page()


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
