"""Horizontal scale on one host: two APIs and two workers against one Temporal server and one
store. Orders go to both APIs in turn; one API and one worker are killed mid-run; every order
completes, each automated task's effect applied once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

import httpx
from temporalio.client import Client

from cli.local_stack import end_process
from tests.auth import broad_headers
from tests.conftest import ROOT, free_port
from tests.fault_tolerance.orders import (
    completed,
    effect_tasks,
    offering_of,
    order_body,
    results,
    simulator_tasks,
    total_effects,
    wait_for_effects,
)
from tests.fault_tolerance.support import Processes
from tests.helpers import ORDERS

BATCH = 16


class Replica:
    def __init__(self, processes: Processes, role: str) -> None:
        self.role = role
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **processes.env,
            "API_PORT": str(port),
            "PUBLIC_BASE_URL": self.url,
            "WORKER_METRICS_PORT": str(port),
            "WORKER_SDK_METRICS_PORT": str(free_port()),
        }
        self.process = subprocess.Popen([sys.executable, "-m", "cli", role], cwd=ROOT, env=self.env)

    def wait_ready(self) -> None:
        # Generous: four processes start at once on two shared cores.
        deadline = time.monotonic() + 150
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"{self.url}/health/ready", timeout=5)
                if answer.status_code == 200:
                    return
                last = answer.text
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.2)
        raise RuntimeError(f"{self.role} on {self.url} did not become ready: {last}")

    def kill(self) -> None:
        end_process(self.process, signal.SIGKILL)

    def stop(self) -> None:
        end_process(self.process, signal.SIGTERM)


async def submit_in_turn(apis: list[Replica], first: int, count: int, prefix: str) -> list[str]:
    ids = []
    # One token for both APIs: they verify it with the issuer's key they share (no state of
    # their own), so either API takes any caller.
    clients = [
        httpx.AsyncClient(base_url=api.url, timeout=30, headers=broad_headers()) for api in apis
    ]
    try:
        for i in range(first, first + count):
            http = clients[i % len(clients)]
            key = {"Idempotency-Key": f"{prefix}-{i}"}
            response = await http.post(ORDERS, json=order_body(i, prefix), headers=key)
            assert response.status_code == 201, response.text
            ids.append(str(response.json()["id"]))
    finally:
        for http in clients:
            await http.aclose()
    return ids


async def test_two_apis_and_two_workers_lose_nothing_when_one_of_each_dies(
    processes: Processes, own_client: Client, field_workforce_on: None
) -> None:
    apis = [Replica(processes, "api") for _ in range(2)]
    workers = [Replica(processes, "worker") for _ in range(2)]
    try:
        for replica in (*apis, *workers):
            replica.wait_ready()
        prefix = f"scale-{uuid.uuid4().hex[:8]}"
        half = BATCH // 2
        ids = await submit_in_turn(apis, 0, half, prefix)
        await wait_for_effects(ids, int(0.3 * total_effects(half)), timeout=90)
        # The second half goes in, and right after its last answer one API and one worker
        # die: orders the dead API accepted but may not have started are started by the other.
        ids += await submit_in_turn(apis, half, BATCH - half, prefix)
        apis[0].kill()
        workers[0].kill()
        assert completed(ids) < BATCH, "the batch finished before the kills"

        finals = await results(own_client, ids, timeout=240)
    finally:
        for replica in (*apis, *workers):
            replica.stop()

    assert [r["state"] for r in finals] == ["completed"] * BATCH
    assert completed(ids) == BATCH
    assert len(set(ids)) == BATCH
    for i, order_id in enumerate(ids):
        # One effect per automated task of the plan: none missing, none applied twice.
        assert effect_tasks(order_id) == list(simulator_tasks(offering_of(i))), order_id
