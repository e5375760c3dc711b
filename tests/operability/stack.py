"""An API and a worker as their own processes on a private task queue, against the session's
Temporal dev server and store: what an operator would scrape and probe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from cli.local_stack import end_process
from tests.conftest import ROOT, ApiServer, free_port


class PatientApiServer(ApiServer):
    """The conftest's API process, given up to 150 s to answer: importing the API alone took
    40-65 s on the shared 2-core VM at load averages above 20."""

    startup_seconds = 150


class Stack:
    def __init__(self, temporal_address: str, env: dict[str, str] | None = None) -> None:
        self.queue = f"ops-{uuid.uuid4().hex[:8]}"
        self.worker_port = free_port()
        self.env = {
            "TEMPORAL_ADDRESS": temporal_address,
            "TESSERA_TASK_QUEUE": self.queue,
            "WORKER_METRICS_PORT": str(self.worker_port),
            "WORKER_SDK_METRICS_PORT": str(free_port()),
            **(env or {}),
        }
        self.api = PatientApiServer(free_port(), env=self.env)
        self.worker_url = f"http://127.0.0.1:{self.worker_port}"
        self.worker: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.api.start()
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"], cwd=ROOT, env={**os.environ, **self.env}
        )
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.worker_url}/health/ready", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the worker did not become ready")

    def stop(self) -> None:
        self.api.stop()
        end_process(self.worker, signal.SIGTERM)


@pytest.fixture(scope="module")
def stack(temporal_env: WorkflowEnvironment) -> Iterator[Stack]:
    running = Stack(temporal_env.client.service_client.config.target_host)
    running.start()
    yield running
    running.stop()


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    """Every sample of a /metrics page by (name, sorted labels)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
