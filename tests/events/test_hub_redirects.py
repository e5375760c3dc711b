"""A listener cannot send the platform's POSTs elsewhere: redirects are not followed.

Both listeners are on 127.0.0.1 (no test sends traffic off this machine); the one redirected to
is subscribed to nothing, so whatever it receives came through the redirect.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.events.conftest import subscribe
from tests.events.test_hub_delivery import complete_order
from tests.helpers import eventually


async def test_a_redirect_from_a_listener_is_not_followed(
    hub_http: httpx.AsyncClient, listeners: Any
) -> None:
    elsewhere = listeners()
    redirecting = listeners(redirect_to=elsewhere.url)
    await subscribe(hub_http, redirecting)

    order_id = await complete_order(hub_http)

    async def redirected_twice() -> bool:
        mine = [a for a in redirecting.attempts if a.body["correlationId"] == order_id]
        return len(mine) >= 2  # the first attempt, and a retry: a 307 is not a delivery

    await eventually(redirected_twice, what="the redirecting listener to be retried")
    await asyncio.sleep(1)
    assert elsewhere.attempts == []
    assert redirecting.processed == []
