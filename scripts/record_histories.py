"""Record workflow histories for the replay tests (tests/histories/).

Run deliberately (`make histories`) when a workflow gains a new path worth guarding. Histories
of released workflow code are never re-recorded: a change that cannot replay them needs
`workflow.patched()`, and the replay test is what tells.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/record.db")
os.environ.setdefault("TESSERA_TASK_QUEUE", "tessera-record")

from temporalio.client import Client  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from store.db import create_tables  # noqa: E402
from tmf.product_order import ProductOrder  # noqa: E402
from worker import build_worker  # noqa: E402
from workflows.product_order import ProductOrderInput, ProductOrderWorkflow  # noqa: E402
from workflows.search_attributes import ALL_KEYS  # noqa: E402

HISTORIES = ROOT / "tests" / "histories"
Scenario = Callable[[Client, str], Awaitable[str]]


def _order(order_id: str, items: list[dict[str, str]]) -> ProductOrder:
    return ProductOrder.model_validate(
        {
            "id": order_id,
            "href": f"http://127.0.0.1:8000/tmf-api/productOrderingManagement/v4/productOrder/{order_id}",
            "orderDate": datetime(2026, 11, 22, tzinfo=UTC),
            "productOrderItem": items,
            "relatedParty": [{"id": "cust-1", "@referredType": "Individual", "role": "customer"}],
        }
    )


async def completed_order(client: Client, queue: str) -> str:
    order = _order("hist-completed", [{"id": "1", "action": "add"}])
    await client.execute_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order),
        id=f"order-{order.id}",
        task_queue=queue,
    )
    return f"order-{order.id}"


async def rejected_order(client: Client, queue: str) -> str:
    items = [{"id": "1", "action": "add"}, {"id": "1", "action": "modify"}]
    order = _order("hist-rejected", items)
    await client.execute_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order),
        id=f"order-{order.id}",
        task_queue=queue,
    )
    return f"order-{order.id}"


SCENARIOS: dict[str, Scenario] = {
    "product_order_completed": completed_order,
    "product_order_rejected": rejected_order,
}


async def main(names: list[str]) -> None:
    create_tables()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        search_attributes=list(ALL_KEYS),
        data_converter=pydantic_data_converter,
        ui=False,
    )
    queue = os.environ["TESSERA_TASK_QUEUE"]
    try:
        async with build_worker(env.client, task_queue=queue):
            for name in names or list(SCENARIOS):
                workflow_id = await SCENARIOS[name](env.client, queue)
                history = await env.client.get_workflow_handle(workflow_id).fetch_history()
                (HISTORIES / f"{name}.json").write_text(history.to_json())
                print(f"recorded {name} ({len(history.events)} events)")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
