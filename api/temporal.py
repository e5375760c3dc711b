"""The API's Temporal client: connected lazily, so the API serves reads while Temporal is down."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from temporal_client import connect_temporal

_client: Client | None = None
_lock = asyncio.Lock()


async def get_client() -> Client:
    global _client
    if _client is None:
        async with _lock:
            if _client is None:
                _client = await connect_temporal()
    return _client


def reset_client() -> None:
    global _client
    _client = None
