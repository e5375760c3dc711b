"""Safe deploys: orders in flight finish on the build they started on (PINNED), while a new
build whose order workflow issues other commands takes the new orders. No non-determinism."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.api.enums.v1 import EventType, VersioningBehavior
from temporalio.client import Client, WorkflowHandle

from config.settings import Settings, get_settings
from store.task_tables import ManualTaskRecord
from store.tasks import TaskFilter, list_tasks
from temporal_client.deployments import (
    deployment_status,
    make_current_at_once,
    set_current_once_polling,
)
from tests.helpers import eventually
from tests.sample_orders import sample_order
from tmf.product_order import PRODUCT_ORDERING_BASE, ProductOrder
from worker import build_worker
from workflows.domain_order import DomainOrderWorkflow
from workflows.event_delivery import EventDeliveryWorkflow
from workflows.messages import CompleteManualTask
from workflows.order import ProductOrderInput, ProductOrderResult, ProductOrderWorkflow

BUILD_2_TIMER = "build 2: a pause before planning"


@workflow.defn(name="ProductOrder")
class ProductOrderBuild2(ProductOrderWorkflow):
    """Build 2's order workflow: a timer before everything, a command build 1 never issues."""

    @workflow.run
    async def run(self, input: ProductOrderInput) -> ProductOrderResult:
        await workflow.sleep(timedelta(milliseconds=10), summary=BUILD_2_TIMER)
        return await super().run(input)


def _with(settings: Settings, **changes: object) -> Settings:
    """The settings with these fields changed."""
    return settings.model_copy(update=changes)


async def _start_fiber_order(client: Client, queue: str) -> WorkflowHandle:
    order_id = f"upg-{uuid.uuid4().hex[:8]}"
    order = ProductOrder.model_validate(
        {
            **sample_order("fiber-broadband", start_in=timedelta(seconds=1)),
            "id": order_id,
            "href": f"http://test{PRODUCT_ORDERING_BASE}/productOrder/{order_id}",
            "orderDate": datetime.now(UTC),
        }
    )
    return await client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order),
        id=f"order-{order_id}",
        task_queue=queue,
    )


async def _open_install_task(order_id: str) -> ManualTaskRecord:
    async def probe() -> ManualTaskRecord | None:
        tasks, _ = list_tasks(TaskFilter(order_id=order_id, state="open"), 0, 5)
        return tasks[0] if tasks else None

    return await eventually(probe, timeout=60, what=f"the install task of {order_id}")


async def _complete(client: Client, task: ManualTaskRecord) -> None:
    await client.get_workflow_handle(task.workflow_id).execute_update(
        "complete_manual_task",
        CompleteManualTask(
            task_id=task.task_id,
            result={"installedAt": "2026-12-07T10:00:00Z", "serialNumber": "RT-9"},
        ),
    )


async def _version(handle: WorkflowHandle) -> tuple[int, str]:
    info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
    return info.behavior, info.deployment_version.build_id


async def _timer_summaries(client: Client, handle: WorkflowHandle) -> list[str]:
    history = await handle.fetch_history()
    summaries = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED and event.HasField(
            "user_metadata"
        ):
            [text] = await client.data_converter.decode([event.user_metadata.summary], [str])
            summaries.append(text)
    return summaries


async def _failed_workflow_tasks(handle: WorkflowHandle) -> int:
    history = await handle.fetch_history()
    return sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED for e in history.events)


async def test_orders_in_flight_finish_on_their_build_while_the_new_build_takes_new_orders(
    client: Client,
) -> None:
    queue = f"upgrade-{uuid.uuid4().hex[:8]}"
    deployment = f"tessera-upgrade-{uuid.uuid4().hex[:6]}"
    build = _with(get_settings(), worker_versioning=True, worker_deployment_name=deployment)
    build_1 = _with(build, worker_build_id="b1")
    build_2 = _with(build, worker_build_id="b2")
    new_code = [ProductOrderBuild2, DomainOrderWorkflow, EventDeliveryWorkflow]

    await make_current_at_once(client, deployment, "b1")
    async with build_worker(client, build_1, task_queue=queue) as worker_1:
        waiting = [await _start_fiber_order(client, queue) for _ in range(2)]
        tasks = [await _open_install_task(h.id.removeprefix("order-")) for h in waiting]
        for handle in waiting:
            assert await _version(handle) == (VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, "b1")

        async with build_worker(client, build_2, task_queue=queue, workflows=new_code):
            await set_current_once_polling(client, deployment, "b2")
            newer = await _start_fiber_order(client, queue)
            newer_task = await _open_install_task(newer.id.removeprefix("order-"))

            for task in tasks:
                await _complete(client, task)
            results = await asyncio.gather(*(h.result() for h in waiting))

            assert [r.state.value for r in results] == ["completed", "completed"]
            for handle in waiting:
                assert await _version(handle) == (
                    VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
                    "b1",
                )
                assert BUILD_2_TIMER not in await _timer_summaries(client, handle)
                assert await _failed_workflow_tasks(handle) == 0
            assert await _version(newer) == (VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, "b2")
            assert BUILD_2_TIMER in await _timer_summaries(client, newer)

            # Build 1 has nothing left to run: it is retired while build 2 finishes its order.
            status = await deployment_status(client, deployment)
            assert status is not None and status.current_build_id == "b2"
            assert {v.build_id: v.status for v in status.versions}["b1"] in {"draining", "drained"}
            await worker_1.shutdown()
            await _complete(client, newer_task)
            assert (await newer.result()).state.value == "completed"
            assert await _failed_workflow_tasks(newer) == 0
