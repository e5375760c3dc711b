"""Stop and restart the Temporal dev server (file database) mid-batch: no order is lost."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from tests.fault_tolerance.orders import (
    completed,
    effect_tasks,
    offering_of,
    results,
    simulator_tasks,
    start_orders,
    wait_until_completed,
)
from tests.fault_tolerance.support import Processes

BATCH = 21


async def test_server_restart_mid_batch_loses_no_order(
    processes: Processes, own_client: Client, field_workforce_on: None
) -> None:
    ids = await start_orders(own_client, processes.queue, BATCH)
    processes.start_worker()
    done = await wait_until_completed(ids, 3, timeout=60)

    processes.stop_server()
    at_stop = completed(ids)
    assert 3 <= done <= at_stop < BATCH, "the server stopped outside the batch"
    await asyncio.sleep(2)
    processes.start_server()  # same file database, same port

    finals = await results(own_client, ids, timeout=120)

    assert [r["state"] for r in finals] == ["completed"] * BATCH
    assert await wait_until_completed(ids, BATCH, timeout=10) == BATCH
    for i, order_id in enumerate(ids):
        assert effect_tasks(order_id) == list(simulator_tasks(offering_of(i))), order_id
