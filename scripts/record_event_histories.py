"""Record EventDelivery histories for the replay tests (tests/histories/event_delivery_*.json).

Modeled on scripts/record_histories.py; run deliberately when the workflow gains a path worth
guarding (`.venv/bin/python scripts/record_event_histories.py [scenario ...]`). Histories of
released workflow code are never re-recorded: a change that cannot replay them needs
`workflow.patched()`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/record.db")
os.environ.setdefault("TESSERA_TASK_QUEUE", "tessera-record")
os.environ.setdefault("HUB_RETRY_INITIAL_SECONDS", "0.2")
os.environ.setdefault("HUB_RETRY_MAX_INTERVAL_SECONDS", "1")
os.environ.setdefault("HUB_POLL_INTERVAL_SECONDS", "0.1")
# The recording listener is on loopback, which hub callbacks refuse unless allowed.
os.environ.setdefault("HUB_CALLBACK_ALLOW", "127.0.0.1")

from temporalio.client import Client  # noqa: E402
from temporalio.common import WorkflowIDConflictPolicy  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from activities.event_delivery import (  # noqa: E402
    COURTESY_CONSUMER_ID,
    Consumer,
    ConsumerKind,
    EventRef,
)
from store import hub  # noqa: E402
from store.db import create_tables  # noqa: E402
from store.hub_tables import DeliveryState  # noqa: E402
from tests.events.listener import Listener  # noqa: E402
from tests.history_corpus import recording_converter, release_folder, write_new  # noqa: E402
from tests.sample_orders import sample_order  # noqa: E402
from tmf.product_order import PRODUCT_ORDERING_BASE, ProductOrder  # noqa: E402
from worker import build_worker  # noqa: E402
from workflows.event_delivery import (  # noqa: E402
    EventDeliveryInput,
    EventDeliveryWorkflow,
    ReplayRequest,
)
from workflows.event_delivery_starter import delivery_policy, start_subscription_delivery  # noqa: E402
from workflows.order import ProductOrderInput, ProductOrderWorkflow  # noqa: E402
from workflows.search_attributes import ALL_KEYS  # noqa: E402

# A scenario returns the (workflow id, run id) to record.
Scenario = Callable[[Client, str], Awaitable[tuple[str, str | None]]]


async def _until(probe: Callable[[], Any], what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(probe):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _run_order(client: Client, queue: str, order_id: str, **extra: Any) -> None:
    body = sample_order("handset-nova-x5", customer=f"cust-{order_id}", **extra)
    order = ProductOrder.model_validate(
        {
            **body,
            "id": order_id,
            "href": f"http://127.0.0.1:8000{PRODUCT_ORDERING_BASE}/productOrder/{order_id}",
            "orderDate": datetime.now(UTC),
        }
    )
    handle = await client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order),
        id=f"order-{order_id}",
        task_queue=queue,
    )
    await handle.result()


async def webhook(client: Client, queue: str) -> tuple[str, str | None]:
    """A retried delivery (lost acknowledgement), a dead letter, its replay, then DELETE."""
    listener = Listener(secret="record", lose_next_ack=True)
    listener.rejected_types.add("ProductOrderMilestoneEvent")
    listener.start()
    try:
        subscription = hub.create_subscription(listener.url, "", listener.secret)
        await start_subscription_delivery(client, subscription.id)
        await _run_order(client, queue, "hist-hub")
        consumer = hub.DeliveryFilter(state=DeliveryState.DEAD, consumer_id=subscription.id)
        await _until(lambda: hub.list_deliveries(consumer, 0, 10)[1] == 1, "a dead letter")
        dead = hub.list_deliveries(consumer, 0, 10)[0][0]
        listener.rejected_types.clear()
        hub.mark_replaying(dead.id)
        handle = client.get_workflow_handle(f"hub-{subscription.id}")
        event = EventRef(
            seq=dead.event_seq,
            event_id=dead.event_id,
            order_id=dead.order_id,
            event_type=dead.event_type,
        )
        await handle.signal("replay", ReplayRequest(event=event))
        await _until(
            lambda: (d := hub.get_delivery(dead.id)) is not None and d.state == "delivered",
            "the replay",
        )
        hub.delete_subscription(subscription.id)
        await handle.result()
        return handle.id, None
    finally:
        listener.stop()


async def courtesy(client: Client, queue: str) -> tuple[str, str | None]:
    """Courtesy notifications of a priority order, with a history short enough to continue as
    new while deliveries are in flight (the first run is recorded)."""
    policy = delivery_policy().model_copy(update={"max_history_events": 40})
    handle = await client.start_workflow(
        EventDeliveryWorkflow.run,
        EventDeliveryInput(
            consumer=Consumer(kind=ConsumerKind.COURTESY, id=COURTESY_CONSUMER_ID),
            cursor=hub.latest_event_seq(),
            policy=policy,
        ),
        id=COURTESY_CONSUMER_ID,
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
    )
    await _run_order(client, queue, "hist-courtesy", priority="0")
    await _until(lambda: len(hub.notifications_for("hist-courtesy")) >= 4, "notifications")
    deadline = time.monotonic() + 60
    while (await handle.describe()).run_id == handle.first_execution_run_id:
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for a continue-as-new")
        await asyncio.sleep(0.1)
    return handle.id, handle.first_execution_run_id


async def continue_as_new(client: Client, queue: str) -> tuple[str, str | None]:
    """A down listener and a tiny history limit: the run continues as new while a delivery is
    retrying (cancelled and carried over); the first run is recorded."""
    listener = Listener(down_status=503).start()
    try:
        subscription = hub.create_subscription(listener.url, "", None)
        handle = await client.start_workflow(
            EventDeliveryWorkflow.run,
            EventDeliveryInput(
                consumer=Consumer(kind=ConsumerKind.WEBHOOK, id=subscription.id),
                cursor=hub.latest_event_seq(),
                policy=delivery_policy().model_copy(update={"max_history_events": 12}),
            ),
            id=f"hub-{subscription.id}",
            task_queue=queue,
        )
        await _run_order(client, queue, "hist-hub-can")
        deadline = time.monotonic() + 60
        while (await handle.describe()).run_id == handle.first_execution_run_id:
            if time.monotonic() > deadline:
                raise RuntimeError("timed out waiting for a continue-as-new")
            await asyncio.sleep(0.1)
        hub.delete_subscription(subscription.id)
        return handle.id, handle.first_execution_run_id
    finally:
        listener.stop()


SCENARIOS: dict[str, Scenario] = {
    "event_delivery_continue_as_new": continue_as_new,
    "event_delivery_webhook": webhook,
    "event_delivery_courtesy": courtesy,
}


async def main(names: list[str]) -> None:
    create_tables()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        search_attributes=list(ALL_KEYS),
        data_converter=recording_converter(),
        ui=False,
    )
    queue = os.environ["TESSERA_TASK_QUEUE"]
    try:
        async with build_worker(env.client, task_queue=queue):
            for name in names or list(SCENARIOS):
                workflow_id, run_id = await SCENARIOS[name](env.client, queue)
                handle = env.client.get_workflow_handle(workflow_id, run_id=run_id)
                history = await handle.fetch_history()
                path = release_folder() / f"{name}.json"
                if write_new(path, history.to_json()):
                    print(f"recorded {path.name} ({len(history.events)} events)")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
