"""Order batches for the fault-tolerance tests: a mix of every sample offering."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from functools import cache
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.southbound.contract import SYSTEMS
from decomposition.decompose import decompose
from store import orders
from store.catalog_files import load_catalog_repository
from store.db import session_scope
from store.simulator_tables import SimulatorEffect
from store.simulators import effects_for
from tests.auth import broad_headers
from tests.conftest import ROOT
from tests.helpers import ORDERS
from tests.sample_orders import SAMPLE_ITEMS, sample_order
from tmf.product_order import ProductOrderCreate

MIX = tuple(SAMPLE_ITEMS)


def offering_of(i: int) -> str:
    return MIX[i % len(MIX)]


def order_body(i: int, prefix: str) -> dict[str, Any]:
    return sample_order(offering_of(i), customer=f"{prefix}-{i}", start_in=timedelta(0))


async def submit_orders(api_url: str, count: int) -> list[str]:
    """POSTs `count` orders of the mix through the API, returns their ids in mix order."""
    prefix = f"fault-{uuid.uuid4().hex[:8]}"
    gate = asyncio.Semaphore(8)

    async def one(http: httpx.AsyncClient, i: int) -> str:
        async with gate:
            response = await http.post(
                ORDERS, json=order_body(i, prefix), headers={"Idempotency-Key": f"{prefix}-{i}"}
            )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=broad_headers()) as http:
        return list(await asyncio.gather(*(one(http, i) for i in range(count))))


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


async def wait_until_started(client: Client, ids: list[str], timeout: float) -> None:
    """Waits until every order's workflow exists: an accepted order may wait for admission
    (api/admission.py) while the workers catch up, or until a restarted API starts it."""
    deadline = time.monotonic() + timeout
    waiting = list(ids)
    while waiting:
        try:
            await client.get_workflow_handle(f"order-{waiting[0]}").describe()
            waiting.pop(0)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise AssertionError(f"order {waiting[0]} was never started") from err
            await asyncio.sleep(0.2)


async def results(client: Client, ids: list[str], timeout: float) -> list[dict[str, Any]]:
    """Every order workflow's result; on timeout, an AssertionError saying where each stuck."""
    await wait_until_started(client, ids, timeout)
    handles = [client.get_workflow_handle(f"order-{i}") for i in ids]
    try:
        return list(await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout))
    except TimeoutError:
        stuck = []
        for order_id, handle in zip(ids, handles, strict=True):
            described = await handle.describe()
            if described.status is None or described.status.name != "COMPLETED":
                state = (orders.get_order(order_id) or {}).get("state")
                pending = len(described.raw_description.pending_activities)
                stuck.append(f"{order_id}: {described.status} store={state} pending={pending}")
        raise AssertionError(f"{len(stuck)} orders unfinished after {timeout}s: {stuck}") from None


@cache
def simulator_tasks(offering: str) -> tuple[str, ...]:
    """The plan's automated tasks that a southbound simulator performs, sorted by task id."""
    catalog = load_catalog_repository(ROOT / "catalog").latest
    plan = decompose(ProductOrderCreate.model_validate(sample_order(offering)), catalog).plan
    assert plan is not None
    return tuple(sorted(t.id for t in plan.tasks if t.activity and t.system in SYSTEMS))


def effects_applied(ids: list[str]) -> int:
    """How many simulator effects the batch has had so far: its progress."""
    query = select(func.count()).where(col(SimulatorEffect.order_id).in_(ids))
    with session_scope() as session:
        return int(session.exec(query).one())


async def wait_for_effects(ids: list[str], at_least: int, timeout: float) -> int:
    """Polls the store until the batch has `at_least` effects or the time is up."""
    deadline = time.monotonic() + timeout
    applied = effects_applied(ids)
    while applied < at_least and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        applied = effects_applied(ids)
    return applied


def total_effects(count: int) -> int:
    return sum(len(simulator_tasks(offering_of(i))) for i in range(count))


def effect_tasks(order_id: str) -> list[str]:
    """The task of every effect the simulators recorded for the order, sorted (duplicates kept)."""
    return sorted(e.task_id for e in effects_for(order_id))
