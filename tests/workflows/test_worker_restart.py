"""Killing the worker mid-batch loses nothing: every order completes, exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

from temporalio.client import Client, WorkflowExecutionStatus

from store import orders
from store.inventory import products_for_party
from store.simulators import effects_for
from tests.conftest import ROOT
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder
from workflows.product_order import ProductOrderInput, ProductOrderWorkflow

BATCH = 40


def _start_worker(queue: str, address: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TESSERA_TASK_QUEUE": queue, "TEMPORAL_ADDRESS": address}
    return subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=env)


def _completed(ids: list[str]) -> int:
    return sum(1 for i in ids if (orders.get_order(i) or {}).get("state") == "completed")


async def test_sigkilled_worker_restarts_and_every_order_completes_once(client: Client) -> None:
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    address = client.service_client.config.target_host
    ids = [f"restart-{uuid.uuid4()}" for _ in range(BATCH)]
    for order_id in ids:
        order = ProductOrder.model_validate(
            {
                **sample_order("handset-nova-x5", customer=f"restart-{order_id}"),
                "id": order_id,
                "href": f"http://test/{order_id}",
                "orderDate": datetime.now(UTC),
            }
        )
        await client.start_workflow(
            ProductOrderWorkflow.run,
            ProductOrderInput(order=order),
            id=f"order-{order_id}",
            task_queue=queue,
        )

    first = _start_worker(queue, address)
    deadline = time.monotonic() + 60
    while _completed(ids) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_at_kill = _completed(ids)
    assert done_at_kill < BATCH, "the batch finished before the kill; the test proved nothing"

    second = _start_worker(queue, address)
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*[client.get_workflow_handle(f"order-{i}").result() for i in ids]), 150
        )
    finally:
        second.terminate()
        second.wait(timeout=15)

    assert {r["state"] for r in results} == {"completed"}
    assert _completed(ids) == BATCH
    # Every southbound effect once: one per automated task, none twice after the kill.
    for order_id in ids:
        effects = [e.operation for e in effects_for(order_id)]
        assert sorted(effects) == ["ship", "start_billing"], (order_id, effects)
        assert len(products_for_party(f"restart-{order_id}")) == 1
    for order_id in ids[:5]:
        described = await client.get_workflow_handle(f"order-{order_id}").describe()
        assert described.status == WorkflowExecutionStatus.COMPLETED
        history = await client.get_workflow_handle(f"order-{order_id}").fetch_history()
        started = [
            e for e in history.events if e.HasField("workflow_execution_started_event_attributes")
        ]
        assert len(started) == 1
