"""/docs works on a machine without internet (issue 26, item 15): a real browser (Debian's
chromium, driven by Playwright) loads it with every request off the API's host refused."""

from __future__ import annotations

from playwright.async_api import Route, async_playwright

from tests.conftest import ApiServer

CHROMIUM = "/usr/bin/chromium"


async def test_the_docs_page_renders_the_api_with_no_network_beyond_the_api(
    api_server: ApiServer,
) -> None:
    refused: list[str] = []

    async def only_the_api(route: Route) -> None:
        if route.request.url.startswith(api_server.base_url):
            await route.continue_()
        else:  # what a closed operator network does to a CDN request
            refused.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--headless", "--disable-gpu"]
        )
        try:
            page = await browser.new_page()
            await page.route("**/*", only_the_api)
            await page.goto(f"{api_server.base_url}/docs")
            # Swagger UI lays out the whole spec (~300 operations) first: on a loaded two-core CI
            # machine that took longer than 15 s; the bound is for a page that never renders.
            await page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
            title = await page.inner_text(".swagger-ui .info .title")
            operations = await page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            await browser.close()

    assert title.startswith("Tessera Order Management")
    assert "/tmf-api/productOrderingManagement/v4/productOrder" in operations
    assert refused == [], f"the page asked for files off the API's host: {refused}"
