"""Fault injection for fallout tests: a system's simulator set to fail, and reset afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest_asyncio

from activities.southbound.faults import CACHE_TTL_S

SIMULATORS = "/ops/v1/simulators"
FALLOUT = "/ops/v1/fallout"

Breaker = Callable[..., Awaitable[None]]


@pytest_asyncio.fixture
async def break_system(http: httpx.AsyncClient) -> AsyncIterator[Breaker]:
    """`await break_system("billing", failureRate=1, failureMode="permanent")`; reset at the end."""
    touched: list[str] = []

    async def apply(system: str, **config: Any) -> None:
        response = await http.patch(f"{SIMULATORS}/{system}", json=config)
        assert response.status_code == 200, response.text
        touched.append(system)
        # Every process reads the configs through a cache (activities/southbound/faults.py):
        # an order placed right after this would otherwise meet the healthy system.
        await asyncio.sleep(CACHE_TTL_S * 2)

    yield apply
    for system in touched:
        await http.delete(f"{SIMULATORS}/{system}")


async def wait_for_cases(
    http: httpx.AsyncClient, params: dict[str, str], count: int, timeout: float = 60
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    cases: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        cases = (await http.get(FALLOUT, params={**params, "limit": "1000"})).json()
        if len(cases) >= count:
            return cases
        await asyncio.sleep(0.25)
    order = ""
    if "orderId" in params:
        found = await http.get(
            f"/tmf-api/productOrderingManagement/v4/productOrder/{params['orderId']}"
        )
        order = f"; the order is {found.json().get('state')}" if found.status_code == 200 else ""
    raise AssertionError(f"{len(cases)} fallout case(s) for {params}, wanted {count}{order}")
