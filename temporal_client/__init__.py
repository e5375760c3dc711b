"""One way to connect to Temporal, with the pydantic data converter, for API, worker and CLI."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from config.settings import get_settings
from observability.tracing import temporal_interceptors


async def connect_temporal(
    address: str | None = None, namespace: str | None = None, runtime: Runtime | None = None
) -> Client:
    settings = get_settings()
    return await Client.connect(
        address or settings.temporal_address,
        namespace=namespace or settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        runtime=runtime,
        interceptors=temporal_interceptors(),  # tracing, when on (observability/tracing.py)
    )
