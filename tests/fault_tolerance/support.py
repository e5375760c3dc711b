"""A stack of real processes for fault-tolerance tests: a Temporal dev server with a file
database on free ports, worker and API subprocesses; each can be killed and restarted.

The processes share the test session's DATABASE_URL (SQLite or PostgreSQL), so the test reads
the store directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from cli.local_stack import end_process, wait_for_port
from cli.main import dev_server_command
from tests.conftest import ROOT, free_port


class Processes:
    """Processes this test started, ended by pid only."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.temporal_port = free_port()
        self.ui_port = free_port()
        self.api_port = free_port()
        self.address = f"127.0.0.1:{self.temporal_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.queue = f"fault-{uuid.uuid4().hex[:8]}"
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.api: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "TEMPORAL_ADDRESS": self.address,
            "TESSERA_TASK_QUEUE": self.queue,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.api_port),
            "PUBLIC_BASE_URL": self.api_url,
            # A call cut off by a killed worker is retried after this; the simulators answer in
            # milliseconds, so 5 s is plenty and the test does not wait out the default 30 s.
            "SOUTHBOUND_ATTEMPT_TIMEOUT_SECONDS": "5",
        }

    def start_server(self) -> None:
        log = (self.data_dir / "temporal.log").open("ab")
        self.server = subprocess.Popen(
            dev_server_command(self.data_dir, self.temporal_port, self.ui_port),
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        wait_for_port(self.temporal_port, 60, "Temporal dev server")

    def stop_server(self) -> None:
        end_process(self.server, signal.SIGTERM)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=self.env
        )

    def kill_worker(self) -> None:
        end_process(self.worker, signal.SIGKILL)

    def start_api(self) -> None:
        # The port was free when chosen, but the other test pass (run side by side) may bind it
        # first: an API that exits at once gets a new port, not a 30 s wait for nothing.
        for _ in range(3):
            self.api = subprocess.Popen(
                [sys.executable, "-m", "cli", "api"], cwd=ROOT, env=self.env
            )
            if self._api_became_healthy():
                return
            if self.api.poll() is None:
                break  # running but not answering: a real failure, not a taken port
            self._move_api_to(free_port())
        raise RuntimeError("the API did not start")

    def _api_became_healthy(self) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.api is not None and self.api.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200:
                    return True
            except httpx.HTTPError:
                time.sleep(0.1)
        return False

    def _move_api_to(self, port: int) -> None:
        self.api_port = port
        self.api_url = f"http://127.0.0.1:{port}"
        self.env = {**self.env, "API_PORT": str(port), "PUBLIC_BASE_URL": self.api_url}

    def kill_api(self) -> None:
        end_process(self.api, signal.SIGKILL)

    def stop_all(self) -> None:
        end_process(self.api, signal.SIGTERM)
        end_process(self.worker, signal.SIGTERM)
        self.stop_server()
