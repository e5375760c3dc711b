"""Fixtures of the fault-tolerance tests: their own dev server (file database) and processes."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client

from store import tasks
from temporal_client import connect_temporal
from tests.fault_tolerance.support import Processes


@pytest.fixture
def processes() -> Iterator[Processes]:
    data_dir = Path(tempfile.mkdtemp(prefix="tessera-fault-"))
    running = Processes(data_dir)
    running.start_server()
    try:
        yield running
    finally:
        running.stop_all()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest_asyncio.fixture
async def own_client(processes: Processes) -> AsyncIterator[Client]:
    """A client of the test's own server, once its frontend answers (it listens a bit before)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            client = await connect_temporal(processes.address)
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
    yield client


@pytest.fixture
def field_workforce_on() -> Iterator[None]:
    """Technicians complete manual tasks at once; the previous setting comes back after."""
    before = tasks.workforce_config()
    tasks.set_workforce_config(True, 0)
    yield
    tasks.set_workforce_config(before.auto_complete, before.latency_ms)
