"""The local stack a benchmark runs on, like `oms dev`: a fresh Temporal dev server (file database,
WAL), a worker process and an API process, all on 127.0.0.1 ports chosen here.

The order store is a SQLite file (the embedded default), or with `BENCH_DATABASE=postgres` a
fresh PostgreSQL database on `BENCH_PG_URL`'s server (default postgresql://postgres@127.0.0.1:5432,
the production database), created here and dropped by `stop()`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from temporalio.converter import DataConverter

from bench.common import ROOT, free_port
from cli.local_stack import end_process, wait_for_port
from temporal_client import data_converter_for
from temporal_client.codec import new_key_line, parse_key_ring


class Stack:
    """Processes started by one benchmark; `stop()` ends exactly those, by pid."""

    def __init__(self, name: str) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"tessera-bench-{name}-"))
        self.temporal_port = free_port()
        self.api_port = free_port()
        self.address = f"127.0.0.1:{self.temporal_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.api: subprocess.Popen[bytes] | None = None
        self.pg_database: str | None = None
        # Payload encryption off in the worker, the API and the bench's client (bench/encryption.py
        # only: `bench.clear_payloads` wraps `oms`).
        self.clear_payloads = False
        database_url = f"sqlite:///{self.data_dir}/tessera.db"
        if os.environ.get("BENCH_DATABASE", "sqlite") == "postgres":
            self.pg_database = f"tessera_bench_{uuid.uuid4().hex[:8]}"
            _pg_admin(f"CREATE DATABASE {self.pg_database}")
            database_url = f"{PG_SERVER}/{self.pg_database}"
        self.env = {
            **os.environ,
            "TEMPORAL_ADDRESS": self.address,
            "TESSERA_TASK_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
            "DATABASE_URL": database_url,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.api_port),
            "PUBLIC_BASE_URL": self.api_url,
            # The embedded token issuer, as under `oms dev`; the bench's clients use its key.
            "LOCAL_ISSUER_KEY_FILE": str(self.data_dir / "issuer-key.pem"),
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            # Technicians come at once when the requested start has passed.
            "SIMULATOR_NEXT_SLOT_SECONDS": "0",
            "SIMULATOR_DEFAULTS": "",
            # Admission control on, as measured (api/admission.py; off by default).
            "ORDER_ADMISSION_MAX_BACKLOG": os.environ.get("ORDER_ADMISSION_MAX_BACKLOG", "50"),
            # The shared-host layout: the API before the worker for the CPU, with PostgreSQL only
            # (with SQLite the worker holds the store's one write lock; config/settings.py).
            "WORKER_NICENESS": os.environ.get(
                "WORKER_NICENESS", "0" if self.pg_database is None else "10"
            ),
            "PYTHONPATH": str(ROOT),
            # The worker's metrics ports too: another stack (a test, another benchmark) on this
            # machine may hold the defaults, and the worker exits when its exporter cannot bind.
            "WORKER_METRICS_PORT": str(free_port()),
            "WORKER_SDK_METRICS_PORT": str(free_port()),
            # Payloads encrypted as in production (the codec's cost is part of what is measured).
            "PAYLOAD_KEYS": os.environ.get("PAYLOAD_KEYS") or new_key_line("bench"),
        }

    def token(self) -> str:
        """A token with the rights an operator running the benchmark has."""
        from api.local_issuer import LocalIssuer, load_or_create_key

        issuer = LocalIssuer(
            key=load_or_create_key(Path(self.env["LOCAL_ISSUER_KEY_FILE"])),
            issuer=self.env.get("OIDC_ISSUER") or "tessera-local",
            audience=self.env.get("OIDC_AUDIENCE", "tessera"),
            roles_claim="realm_access.roles",
            party_claim="party_id",
            default_ttl_seconds=24 * 3600,
        )
        return issuer.mint(["order-manager", "process-admin"], "bench")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def data_converter(self) -> DataConverter:
        """The converter of this stack's worker and API, for the benchmark's own client."""
        if self.clear_payloads:
            from bench.clear_payloads import clear_converter

            return clear_converter([])
        return data_converter_for(parse_key_ring(self.env["PAYLOAD_KEYS"]))

    def _oms(self, command: str) -> list[str]:
        cli = "bench.clear_payloads" if self.clear_payloads else "cli"
        return [sys.executable, "-m", cli, command]

    @property
    def database(self) -> str:
        """The order store's kind, for reports."""
        return "SQLite" if self.pg_database is None else "PostgreSQL"

    def start_server(self) -> None:
        from cli.main import dev_server_command

        command = dev_server_command(self.data_dir, self.temporal_port, free_port())
        log = (self.data_dir / "temporal.log").open("ab")
        self.server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        wait_for_port(self.temporal_port, 60, "Temporal dev server")

    def start_worker(self, command: list[str] | None = None) -> subprocess.Popen[bytes]:
        self.worker = subprocess.Popen(command or self._oms("worker"), cwd=ROOT, env=self.env)
        return self.worker

    def start_api(self) -> None:
        self.api = subprocess.Popen(self._oms("api"), cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the API did not start")

    def stop_worker(self) -> None:
        end_process(self.worker, signal.SIGINT)
        self.worker = None

    def stop_api(self) -> None:
        end_process(self.api, signal.SIGINT)
        self.api = None

    def stop(self) -> None:
        self.stop_api()
        self.stop_worker()
        end_process(self.server)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.pg_database is not None:
            _pg_admin(f"DROP DATABASE IF EXISTS {self.pg_database} WITH (FORCE)")


PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement.encode())  # our own names, no user input
