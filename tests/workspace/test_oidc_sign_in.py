"""Production sign-in: the OIDC authorization-code flow with PKCE, run in the browser against
a stand-in identity provider (Playwright answers its discovery, authorization and token
requests), as far as a machine without Keycloak allows."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.async_api import Page, Route, expect

from tests.workspace.conftest import screenshot

ISSUER = "https://sso.example.test/realms/tessera"
CLIENT_ID = "tessera-staff"
CORS = {"Access-Control-Allow-Origin": "*"}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_a_staff_member_signs_in_through_the_identity_provider_with_pkce(
    browser_page: Page,
) -> None:
    page = browser_page
    seen: dict[str, dict[str, list[str]]] = {}

    async def config(route: Route) -> None:
        await route.fulfill(
            json={
                "signIn": "oidc",
                "oidcIssuer": ISSUER,
                "oidcClientId": CLIENT_ID,
                "temporalUiUrl": "http://127.0.0.1:8233",
                "temporalNamespace": "default",
            }
        )

    async def discovery(route: Route) -> None:
        await route.fulfill(
            headers=CORS,
            json={
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/protocol/openid-connect/auth",
                "token_endpoint": f"{ISSUER}/protocol/openid-connect/token",
            },
        )

    async def authorize(route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        seen["authorize"] = query
        back = f"{query['redirect_uri'][0]}?code=code-1&state={query['state'][0]}"
        await route.fulfill(status=302, headers={"Location": back})

    async def token(route: Route) -> None:
        seen["token"] = parse_qs(route.request.post_data or "")
        claims: dict[str, Any] = {
            "sub": "f3b1",
            "preferred_username": "ana",
            "realm_access": {"roles": ["offline_access", "fallout-agent"]},
        }
        access = f"e30.{_b64url(json.dumps(claims).encode())}.signature"
        await route.fulfill(
            headers=CORS, json={"access_token": access, "token_type": "Bearer", "expires_in": 300}
        )

    async def no_orders(route: Route) -> None:
        await route.fulfill(json=[], headers={"X-Total-Count": "0"})

    await page.route("**/ops/v1/workspace/config", config)
    await page.route(f"{ISSUER}/.well-known/openid-configuration", discovery)
    await page.route(
        re.compile(re.escape(f"{ISSUER}/protocol/openid-connect/auth") + r"\?"), authorize
    )
    await page.route(f"{ISSUER}/protocol/openid-connect/token", token)
    await page.route(re.compile(r"/ops/v1/orders\?"), no_orders)  # a stand-in token's answers

    await page.goto("/workspace/")
    await expect(page.locator("[data-role]")).to_have_count(0)  # no persona picker
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.locator("#who")).to_contain_text("ana · fallout-agent")
    await expect(page.locator("[data-page=orders]")).to_be_visible()
    assert "code=" not in page.url  # the code does not stay in the address bar
    await screenshot(page, "oidc-signed-in")

    asked = seen["authorize"]
    assert asked["response_type"] == ["code"] and asked["client_id"] == [CLIENT_ID]
    assert asked["code_challenge_method"] == ["S256"]
    redirect = asked["redirect_uri"][0]
    assert redirect.endswith("/workspace/")
    exchanged = seen["token"]
    assert exchanged["grant_type"] == ["authorization_code"] and exchanged["code"] == ["code-1"]
    assert exchanged["redirect_uri"] == [redirect] and exchanged["client_id"] == [CLIENT_ID]
    verifier = exchanged["code_verifier"][0]
    assert len(verifier) >= 43  # RFC 7636: 43 to 128 characters
    assert _b64url(hashlib.sha256(verifier.encode()).digest()) == asked["code_challenge"][0]
    # Every call to the API now carries the provider's token.
    async with page.expect_request(re.compile(r"/ops/v1/orders\?")) as sent:
        await page.get_by_role("button", name="Search").click()
    authorization = await (await sent.value).header_value("authorization")
    assert authorization is not None and authorization.startswith("Bearer e30.")
