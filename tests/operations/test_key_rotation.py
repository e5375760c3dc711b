"""Key rotation without downtime: orders started under key A complete after key B becomes the
current key, and a history encrypted under A still replays with the new ring."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client
from temporalio.worker import Replayer

from store.task_tables import ManualTaskRecord
from store.tasks import TaskFilter, list_tasks
from temporal_client import data_converter_for
from temporal_client.codec import KEY_ID, new_key_line, parse_key_ring
from tests.helpers import eventually
from tests.sample_orders import sample_order
from tmf.product_order import PRODUCT_ORDERING_BASE, ProductOrder
from worker import build_worker
from workflows.messages import CompleteManualTask
from workflows.order import ProductOrderInput, ProductOrderWorkflow
from workflows.registry import WORKFLOWS

KEY_A = new_key_line("key-a")
KEY_B = new_key_line("key-b")


async def _connect(client: Client, ring: str) -> Client:
    return await Client.connect(
        client.service_client.config.target_host,
        namespace=client.namespace,
        data_converter=data_converter_for(parse_key_ring(ring)),
    )


def _key_ids(history_json: str) -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            key = node.get(KEY_ID)
            if isinstance(key, str):
                found.add(base64.b64decode(key).decode())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return found


async def test_orders_started_under_the_old_key_complete_after_rotation(client: Client) -> None:
    queue = f"rotation-{uuid.uuid4().hex[:8]}"
    order_id = f"rot-{uuid.uuid4().hex[:8]}"
    order = ProductOrder.model_validate(
        {
            **sample_order("fiber-broadband", start_in=timedelta(seconds=1)),
            "id": order_id,
            "href": f"http://test{PRODUCT_ORDERING_BASE}/productOrder/{order_id}",
            "orderDate": datetime.now(UTC),
        }
    )
    before = await _connect(client, KEY_A)
    async with build_worker(before, task_queue=queue):
        handle = await before.start_workflow(
            ProductOrderWorkflow.run,
            ProductOrderInput(order=order),
            id=f"order-{order_id}",
            task_queue=queue,
        )

        async def install_task() -> ManualTaskRecord | None:
            tasks, _ = list_tasks(TaskFilter(order_id=order_id, state="open"), 0, 1)
            return tasks[0] if tasks else None

        task = await eventually(install_task, timeout=60, what="the install task")

    # Rotation: every process restarts with B first (encrypts) and A kept (decrypts).
    after = await _connect(client, f"{KEY_B},{KEY_A}")
    async with build_worker(after, task_queue=queue):
        await after.get_workflow_handle(task.workflow_id).execute_update(
            "complete_manual_task",
            CompleteManualTask(
                task_id=task.task_id,
                result={"installedAt": "2026-12-07T10:00:00Z", "serialNumber": "RT-7"},
            ),
        )
        result = await after.get_workflow_handle(handle.id).result()

    assert result["state"] == "completed"
    history = await after.get_workflow_handle(handle.id).fetch_history()
    assert _key_ids(history.to_json()) == {"key-a", "key-b"}

    replayed = await Replayer(
        workflows=WORKFLOWS, data_converter=data_converter_for(parse_key_ring(f"{KEY_B},{KEY_A}"))
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert replayed.replay_failure is None

    # Key A removed too early: the history no longer decrypts (the worker logs which key).
    with pytest.raises(Exception, match="UnknownKeyError"):
        await Replayer(
            workflows=WORKFLOWS, data_converter=data_converter_for(parse_key_ring(KEY_B))
        ).replay_workflow(history)
