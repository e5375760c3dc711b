"""SIGKILL the worker three times during a batch of 50 orders: all complete, effects once."""

from __future__ import annotations

from temporalio.client import Client

from tests.fault_tolerance.orders import (
    effect_tasks,
    offering_of,
    results,
    simulator_tasks,
    start_orders,
    wait_until_completed,
)
from tests.fault_tolerance.support import Processes

BATCH = 50
# Kill when this many orders have completed: early, midway and late in the batch.
KILL_AFTER = (3, 15, 30)


async def test_three_worker_kills_lose_nothing_and_repeat_no_effect(
    processes: Processes, own_client: Client, field_workforce_on: None
) -> None:
    ids = await start_orders(own_client, processes.queue, BATCH)
    processes.start_worker()
    for threshold in KILL_AFTER:
        done = await wait_until_completed(ids, threshold, timeout=60)
        processes.kill_worker()
        assert threshold <= done < BATCH, f"kill at {done} completed: not during the batch"
        processes.start_worker()

    finals = await results(own_client, ids, timeout=120)

    assert [r["state"] for r in finals] == ["completed"] * BATCH
    assert await wait_until_completed(ids, BATCH, timeout=10) == BATCH
    for i, order_id in enumerate(ids):
        expected = list(simulator_tasks(offering_of(i)))
        assert expected, offering_of(i)
        # One effect per automated task of the plan: none missing, none applied twice.
        assert effect_tasks(order_id) == expected, order_id
