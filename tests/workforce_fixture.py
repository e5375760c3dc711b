"""`workforce`: the field-workforce simulator on for one test; manual tasks end by themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

WORKFORCE = "/ops/v1/simulators/field_workforce"


@pytest_asyncio.fixture
async def workforce(http: httpx.AsyncClient) -> AsyncIterator[None]:
    response = await http.put(WORKFORCE, json={"autoComplete": True, "latencyMs": 200})
    assert response.status_code == 200
    yield
    await http.put(WORKFORCE, json={"autoComplete": False, "latencyMs": 0})
