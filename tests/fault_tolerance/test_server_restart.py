"""Stop and restart the Temporal dev server (file database) mid-batch: no order is lost."""

from __future__ import annotations

import asyncio
import os

from temporalio.client import Client

from tests.fault_tolerance.orders import (
    completed,
    effect_tasks,
    offering_of,
    results,
    simulator_tasks,
    submit_orders,
    total_effects,
    wait_for_effects,
    wait_until_completed,
)
from tests.fault_tolerance.support import Processes

BATCH = 14


async def test_server_restart_mid_batch_loses_no_order(
    processes: Processes, own_client: Client, field_workforce_on: None
) -> None:
    processes.start_api()
    ids = await submit_orders(processes.api_url, BATCH)
    # The worker as on a host shared with the API: it lowers its own CPU priority.
    processes.env["WORKER_NICENESS"] = "5"
    processes.start_worker()
    total = total_effects(BATCH)
    applied = await wait_for_effects(ids, total // 3, timeout=90)
    assert processes.worker is not None
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, processes.worker.pid) == min(19, own + 5)

    processes.stop_server()
    assert total // 3 <= applied < total, f"stopped at {applied}/{total} effects"
    assert completed(ids) < BATCH, "the batch finished before the server stopped"
    await asyncio.sleep(2)
    processes.start_server()  # same file database, same port

    finals = await results(own_client, ids, timeout=180)

    assert [r["state"] for r in finals] == ["completed"] * BATCH
    assert await wait_until_completed(ids, BATCH, timeout=10) == BATCH
    for i, order_id in enumerate(ids):
        assert effect_tasks(order_id) == list(simulator_tasks(offering_of(i))), order_id
