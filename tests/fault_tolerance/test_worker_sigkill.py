"""SIGKILL the worker three times during a batch of 50 orders: all complete, effects once."""

from __future__ import annotations

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
)
from tests.fault_tolerance.support import Processes

BATCH = 50
# Kill when this share of the batch's simulator effects is applied: early, midway and late.
KILL_AT = (0.1, 0.4, 0.7)


async def test_three_worker_kills_lose_nothing_and_repeat_no_effect(
    processes: Processes, own_client: Client, field_workforce_on: None
) -> None:
    processes.start_api()
    ids = await submit_orders(processes.api_url, BATCH)
    total = total_effects(BATCH)
    processes.start_worker()
    for share in KILL_AT:
        threshold = int(share * total)
        applied = await wait_for_effects(ids, threshold, timeout=90)
        processes.kill_worker()
        assert threshold <= applied < total, f"kill at {applied}/{total} effects"
        assert completed(ids) < BATCH, "the batch finished before the kill"
        processes.start_worker()

    finals = await results(own_client, ids, timeout=150)

    assert [r["state"] for r in finals] == ["completed"] * BATCH
    assert completed(ids) == BATCH
    for i, order_id in enumerate(ids):
        expected = list(simulator_tasks(offering_of(i)))
        assert expected, offering_of(i)
        # One effect per automated task of the plan: none missing, none applied twice.
        assert effect_tasks(order_id) == expected, order_id
