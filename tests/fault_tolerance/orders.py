"""Order batches for the fault-tolerance tests: a mix of every sample offering."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from temporalio.client import Client

from activities.southbound.contract import SYSTEMS
from decomposition.decompose import decompose
from store import orders
from store.catalog_files import load_catalog_repository
from store.simulators import effects_for
from tests.conftest import ROOT
from tests.sample_orders import SAMPLE_ITEMS, sample_order
from tmf.product_order import ProductOrder, ProductOrderCreate
from workflows.product_order import ProductOrderInput, ProductOrderWorkflow

MIX = tuple(SAMPLE_ITEMS)


def offering_of(i: int) -> str:
    return MIX[i % len(MIX)]


def order_body(i: int, prefix: str) -> dict[str, Any]:
    return sample_order(offering_of(i), customer=f"{prefix}-{i}", start_in=timedelta(0))


async def start_orders(client: Client, queue: str, count: int) -> list[str]:
    """Starts `count` order workflows directly (no API), returns the order ids."""
    prefix = f"fault-{uuid.uuid4().hex[:8]}"
    ids = [f"{prefix}-{i}" for i in range(count)]
    for i, order_id in enumerate(ids):
        order = ProductOrder.model_validate(
            {
                **order_body(i, prefix),
                "id": order_id,
                "href": f"http://test/{order_id}",
                "orderDate": datetime.now(UTC),
            }
        )
        await client.start_workflow(
            ProductOrderWorkflow.run,
            ProductOrderInput(order=order),
            id=f"order-{order_id}",
            task_queue=queue,
        )
    return ids


def completed(ids: list[str]) -> int:
    return sum(1 for i in ids if (orders.get_order(i) or {}).get("state") == "completed")


async def wait_until_completed(ids: list[str], at_least: int, timeout: float) -> int:
    """Polls the store until `at_least` orders completed or the time is up; returns the count."""
    deadline = time.monotonic() + timeout
    done = completed(ids)
    while done < at_least and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        done = completed(ids)
    return done


async def results(client: Client, ids: list[str], timeout: float) -> list[dict[str, Any]]:
    handles = [client.get_workflow_handle(f"order-{i}") for i in ids]
    return list(await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout))


@lru_cache(maxsize=None)
def simulator_tasks(offering: str) -> tuple[str, ...]:
    """The plan's automated tasks that a southbound simulator performs, sorted by task id."""
    catalog = load_catalog_repository(ROOT / "catalog").latest
    plan = decompose(ProductOrderCreate.model_validate(sample_order(offering)), catalog).plan
    assert plan is not None
    return tuple(sorted(t.id for t in plan.tasks if t.activity and t.system in SYSTEMS))


def effect_tasks(order_id: str) -> list[str]:
    """The task of every effect the simulators recorded for the order, sorted (duplicates kept)."""
    return sorted(e.task_id for e in effects_for(order_id))
