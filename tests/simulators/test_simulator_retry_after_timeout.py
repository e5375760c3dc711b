"""Through a real Temporal server: an activity retried after a timeout applies its effect once."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.inventory import InventorySimulator
from activities.southbound.registry import SouthboundAdapters, southbound_activities
from store.simulators import active_resources, effects_for
from tests.simulators.support import make_request, new_order_id

TIMEOUT = timedelta(seconds=1)


class ResultLostOnFirstAttempt(InventorySimulator):
    """Applies the effect, then (first attempt only) answers too late: the caller never sees it."""

    def reserve_port(self, request: SouthboundRequest) -> SouthboundResult:
        result = super().reserve_port(request)
        if activity.info().attempt == 1:
            time.sleep(TIMEOUT.total_seconds() + 0.5)
        return result


@workflow.defn(sandboxed=False)
class CallByName:
    @workflow.run
    async def run(self, request: SouthboundRequest) -> SouthboundResult:
        # As the orchestrator does: by the catalog's name, not by function reference.
        return await workflow.execute_activity(
            "inventory.reserve_port",
            request,
            result_type=SouthboundResult,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100)),
        )


async def test_a_retry_after_a_timeout_replays_the_first_effect(client: Client) -> None:
    order_id = new_order_id()
    request = make_request(order_id, "reserve")
    task_queue = f"simulators-{uuid.uuid4().hex[:8]}"
    adapters = SouthboundAdapters(inventory=ResultLostOnFirstAttempt())
    with ThreadPoolExecutor(4) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[CallByName],
            activities=southbound_activities(adapters),
            activity_executor=executor,
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            result = await client.execute_workflow(
                CallByName.run,
                request,
                id=f"simulators-retry-{order_id}",
                task_queue=task_queue,
            )

    assert result.replayed  # attempt 2 got attempt 1's result back
    [effect] = effects_for(order_id)
    assert result.reference == effect.result["reference"]
    assert [r.id for r in active_resources(order_id)] == [result.reference]
