"""Jeopardy levels at the right virtual times, on the time-skipping test server."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowHandle
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.testing import WorkflowEnvironment

from store import tasks
from temporal_client import data_converter
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder
from worker import build_worker
from workflows import search_attributes as sa
from workflows.messages import CompleteManualTask
from workflows.order import ProductOrderInput, ProductOrderWorkflow
from workflows.search_attributes import ALL_KEYS

QUEUE = f"jeopardy-{uuid.uuid4().hex[:8]}"


@pytest_asyncio.fixture(scope="module")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
        data_converter=data_converter(),
    )
    # The Java test server takes no search attributes at start: register them, or tasks fail.
    kinds = {
        SearchAttributeIndexedValueType.KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        SearchAttributeIndexedValueType.INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    }
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={k.name: kinds[k.indexed_value_type] for k in ALL_KEYS},
        )
    )
    async with build_worker(env.client, task_queue=QUEUE):
        yield env
    await env.shutdown()


async def _start(env: WorkflowEnvironment, completion_in: timedelta) -> WorkflowHandle:
    """A mobile line with a number port-in: the porting desk's check takes 4 h (expected)."""
    order_id = f"jeo-{uuid.uuid4()}"
    now = await env.get_current_time()  # virtual time: earlier tests moved it forward
    order = ProductOrder.model_validate(
        {
            **sample_order("mobile-postpaid", customer=f"jeo-{order_id}"),
            "requestedStartDate": now.isoformat(),
            "requestedCompletionDate": (now + completion_in).isoformat(),
            "id": order_id,
            "href": f"http://test/{order_id}",
            "orderDate": now,
        }
    )
    return await env.client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order),
        id=f"order-{order_id}",
        task_queue=QUEUE,
    )


async def _porting_task(order_id: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found, _ = tasks.list_tasks(tasks.TaskFilter(order_id=order_id), 0, 10)
        if found:
            return found[0].workflow_id + "|" + found[0].task_id
        await asyncio.sleep(0.1)
    raise AssertionError("the porting desk task never opened")


async def _levels(handle: WorkflowHandle) -> tuple[str, dict[str, str | None]]:
    order = await handle.query(ProductOrderWorkflow.get_order)
    assert order.jeopardy is not None
    return order.jeopardy.level, {i.id: i.jeopardy for i in order.product_order_item}


async def test_task_jeopardy_warns_at_80_percent_and_is_critical_past_100_on_the_task(
    skipping_env: WorkflowEnvironment,
) -> None:
    handle = await _start(skipping_env, completion_in=timedelta(days=30))
    order_id = handle.id.removeprefix("order-")
    owner, task_id = (await _porting_task(order_id)).split("|")

    assert await _levels(handle) == ("none", {"1": "none"})
    await skipping_env.sleep(timedelta(hours=3))  # 75% of 4 h
    assert await _levels(handle) == ("none", {"1": "none"})
    await skipping_env.sleep(timedelta(minutes=15))  # 81%
    # The task and its item are at risk; the order, due in 30 days, is not (issue 26).
    assert await _levels(handle) == ("none", {"1": "warning"})
    described = await handle.describe()
    assert described.typed_search_attributes.get(sa.JEOPARDY) == "none"
    await skipping_env.sleep(timedelta(minutes=50))  # 102%
    assert await _levels(handle) == ("none", {"1": "critical"})
    order = await handle.query(ProductOrderWorkflow.get_order)
    assert order.jeopardy is not None
    assert [(t.task_id, t.level) for t in order.jeopardy.tasks] == [(task_id, "critical")]

    await skipping_env.client.get_workflow_handle(owner).execute_update(
        "complete_manual_task",
        CompleteManualTask(task_id=task_id, result={"approved": True, "portDate": "2026-12-01"}),
    )
    result = await handle.result()

    assert result.state.value == "completed"
    assert await _levels(handle) == ("none", {"1": "none"})
    described = await handle.describe()
    assert described.typed_search_attributes.get(sa.JEOPARDY) == "none"


async def test_order_warns_when_its_forecast_passes_the_due_date_then_goes_critical(
    skipping_env: WorkflowEnvironment,
) -> None:
    handle = await _start(skipping_env, completion_in=timedelta(hours=2))
    order_id = handle.id.removeprefix("order-")
    owner, task_id = (await _porting_task(order_id)).split("|")

    order = await handle.query(ProductOrderWorkflow.get_order)
    assert order.jeopardy is not None
    assert order.jeopardy.level == "warning"  # 4 h of work left, 2 h to go
    assert order.jeopardy.cause == "forecast completion after the due date"
    await skipping_env.sleep(timedelta(hours=2, minutes=1))
    order = await handle.query(ProductOrderWorkflow.get_order)
    assert order.jeopardy is not None
    assert (order.jeopardy.level, order.jeopardy.cause) == (
        "critical",
        "due date passed with work outstanding",
    )

    await skipping_env.client.get_workflow_handle(owner).execute_update(
        "complete_manual_task",
        CompleteManualTask(task_id=task_id, result={"approved": True, "portDate": "2026-12-01"}),
    )
    assert (await handle.result()).state.value == "completed"
