"""The API's Temporal client: connected lazily, so the API serves reads while Temporal is down."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from api.errors import TmfError
from temporal_client import connect_temporal

_client: Client | None = None
_lock = asyncio.Lock()


async def get_client() -> Client:
    global _client
    if _client is None:
        async with _lock:
            if _client is None:
                try:
                    _client = await connect_temporal()
                except RuntimeError as err:  # the SDK's "Failed client connect"
                    raise temporal_unreachable() from err
    return _client


def temporal_unreachable() -> TmfError:
    return TmfError(503, "ServiceUnavailable", "Temporal is not reachable; retry the request")


def reset_client() -> None:
    global _client
    _client = None
