"""Event hub tests: the API with the hub's routers over real HTTP, real listeners, fast backoff."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from config.settings import get_settings
from tests.auth import broad_headers
from tests.conftest import ROOT, free_port
from tests.events.listener import Listener

# Backoff in fractions of a second so that an outage and its recovery take seconds. Read by the
# API (the workflow's delivery policy) and by the worker in this process (activities).
os.environ.setdefault("HUB_RETRY_INITIAL_SECONDS", "0.2")
os.environ.setdefault("HUB_RETRY_MAX_INTERVAL_SECONDS", "1")
os.environ.setdefault("HUB_POLL_INTERVAL_SECONDS", "0.1")
os.environ.setdefault("HUB_HTTP_TIMEOUT_SECONDS", "2")
# An idle outbox read returns after 3 s, not 30: tests wait for the courtesy workflow's cursor.
os.environ.setdefault("HUB_LONG_POLL_SECONDS", "3")
get_settings.cache_clear()

HUB = "/tmf-api/productOrderingManagement/v4/hub"
DELIVERIES = "/ops/v1/deliveries"


# Package-scoped, not session: the courtesy workflow polls the outbox every
# HUB_POLL_INTERVAL_SECONDS and reads every later order's events; left running, it cost the
# rest of the session's tests CPU (in this process's worker) for notifications none checks.
@pytest.fixture(scope="package")
def events_api(temporal_env: WorkflowEnvironment) -> Iterator[str]:
    """The API (tests/events/hub_app.py) as its own process."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PUBLIC_BASE_URL": base_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.events.hub_app:app", "--port", str(port)]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError("API did not start") from None
            time.sleep(0.2)
    yield base_url
    process.terminate()
    process.wait(timeout=15)


@pytest_asyncio.fixture(scope="package")
async def courtesy(client: Client, worker: Worker) -> AsyncIterator[None]:
    """The courtesy notifications' workflow while the event tests run; ended after them."""
    from activities.event_delivery import COURTESY_CONSUMER_ID
    from workflows.event_delivery_starter import ensure_courtesy_notifications

    await ensure_courtesy_notifications(client)
    yield
    try:
        await client.get_workflow_handle(COURTESY_CONSUMER_ID).terminate("event tests done")
    except RPCError as err:  # already closed: nothing left running
        if err.status != RPCStatusCode.NOT_FOUND:
            raise


@pytest_asyncio.fixture(scope="package")
async def hub_http(
    events_api: str, worker: Worker, courtesy: None
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=events_api, timeout=30, headers=broad_headers()
    ) as session:
        yield session


@pytest_asyncio.fixture
async def listeners(hub_http: httpx.AsyncClient) -> AsyncIterator[Callable[..., Listener]]:
    """Starts listeners; at the end, unsubscribes and stops them (no retries left behind)."""
    started: list[Listener] = []

    def start(**options: Any) -> Listener:
        listener = Listener(**options).start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        for subscription_id in listener.subscription_ids:
            await hub_http.delete(f"{HUB}/{subscription_id}")
        listener.stop()


async def subscribe(
    http: httpx.AsyncClient, listener: Listener, query: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"callback": listener.url}
    if query is not None:
        body["query"] = query
    if listener.secret:
        body["secret"] = listener.secret
    response = await http.post(HUB, json=body)
    assert response.status_code == 201, response.text
    listener.subscription_ids.append(response.json()["id"])
    return dict(response.json())
