"""Nothing starts before the requested start date (issue 26, item 2)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from decomposition.decompose import decompose
from decomposition.plan import Plan
from store.catalog_files import load_catalog_repository
from store.simulators import effects_for
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrderCreate
from workflows.start_gate import until_start

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog_repository(ROOT / "catalog").latest
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def _plan(offering: str) -> Plan:
    plan = decompose(ProductOrderCreate.model_validate(sample_order(offering)), CATALOG).plan
    assert plan is not None
    return plan


def test_a_plan_without_a_wait_task_waits_for_the_requested_start_as_a_whole() -> None:
    handset = _plan("handset-nova-x5")

    assert until_start(NOW + timedelta(days=13), handset, NOW) == timedelta(days=13)
    assert until_start(NOW - timedelta(seconds=1), handset, NOW) is None
    assert until_start(None, handset, NOW) is None


def test_a_plan_with_its_own_wait_honours_the_date_there() -> None:
    # The mobile line waits for the date before activation; a technician is booked at it.
    for offering in ("mobile-postpaid", "fiber-broadband"):
        assert until_start(NOW + timedelta(days=13), _plan(offering), NOW) is None


async def test_a_handset_ordered_for_later_ships_only_from_its_requested_start(
    http: httpx.AsyncClient,
) -> None:
    body = sample_order("handset-nova-x5", start_in=timedelta(seconds=6))
    start = datetime.fromisoformat(body["requestedStartDate"].replace("Z", "+00:00"))
    order_id = (await http.post(ORDERS, json=body)).json()["id"]

    await asyncio.sleep(3)
    waiting = (await http.get(f"{ORDERS}/{order_id}")).json()
    assert waiting["state"] in {"acknowledged", "inProgress"}
    assert "completionDate" not in waiting
    assert effects_for(order_id) == [], "nothing was shipped or billed before the start date"

    done = await wait_for_state(http, order_id, timeout=40)
    assert done["state"] == "completed"
    assert datetime.fromisoformat(done["completionDate"].replace("Z", "+00:00")) >= start
    assert min(e.created_at for e in effects_for(order_id)) >= start.replace(tzinfo=None)
