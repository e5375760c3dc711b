"""A fallout case of a product-inventory task (assetization) retried with success is resolved, as
every other system's case is (issue 26, item 12); the worker counts the resolution once
(`tessera_fallout_cases_resolved_total`, issue 23). The session's worker runs in this process, so
its metrics are this process's registry."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from prometheus_client import REGISTRY

from store import inventory
from store.db import session_scope
from tests.conftest import AsClient
from tests.fallout.conftest import FALLOUT, Breaker, wait_for_cases
from tests.helpers import ORDERS, eventually, wait_for_state
from tests.sample_orders import order_body, sample_order
from tmf.product_inventory import ProductStatus

INVENTORY = "/tmf-api/productInventory/v4/product"
RESOLVED = "tessera_fallout_cases_resolved_total"


def _resolved(system: str, resolution: str) -> float:
    labels = {"system": system, "resolution": resolution}
    return REGISTRY.get_sample_value(RESOLVED, labels) or 0.0


def _set_status(product_id: str, status: ProductStatus) -> None:
    """What an inventory glitch (or another system writing to it) would do under the order."""
    with session_scope() as session:
        product = inventory.load_product(session, product_id)
        assert product is not None
        inventory.replace_product(session, product.model_copy(update={"status": status}))


async def _product(http: httpx.AsyncClient, customer: str) -> dict[str, Any]:
    [product] = (await http.get(INVENTORY, params={"relatedParty.id": customer})).json()
    return dict(product)


async def test_a_retried_assetization_resolves_its_case_and_counts_it_once(
    http: httpx.AsyncClient, http_as: AsClient, break_system: Breaker, workforce: None
) -> None:
    ana = http_as("fallout-agent", subject="ana")
    customer = f"fo-asset-{uuid.uuid4().hex[:8]}"
    first = await http.post(ORDERS, json=sample_order("fiber-broadband", customer=customer))
    assert (await wait_for_state(http, first.json()["id"], timeout=90))["state"] == "completed"
    product = await _product(http, customer)

    # The suspension's network step is slow; meanwhile the product leaves `active` under it, so
    # inventory refuses to suspend it (a permanent error: no automatic retry, a fallout case).
    await break_system("activation", latencyMs=3000)
    suspend = {"id": "1", "action": "suspend", "product": {"id": product["id"]}}
    created = await http.post(ORDERS, json=order_body([suspend], customer, start_in=timedelta(0)))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    await wait_for_state(http, order_id, {"inProgress"})
    _set_status(product["id"], ProductStatus.PENDING_TERMINATE)
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1, timeout=90)
    assert (case["system"], case["operation"]) == ("product_inventory", "assetize")
    assert "pendingTerminate" in case["message"]

    # The inventory is put right; the agent retries; the retry succeeds.
    _set_status(product["id"], ProductStatus.ACTIVE)
    before = _resolved("product_inventory", "retry")
    retried = await ana.post(f"{FALLOUT}/{case['id']}/retry", json={})
    assert retried.status_code == 200, retried.text
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"
    assert (await _product(http, customer))["status"] == "suspended"

    resolved = (await http.get(f"{FALLOUT}/{case['id']}")).json()
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "retry")
    assert [(n["event"], n["author"]) for n in resolved["notes"]] == [
        ("opened", "product_inventory"),
        ("retry", "ana"),
        ("retry succeeded", "product_inventory"),
    ]
    assert (await http.get(FALLOUT, params={"orderId": order_id})).json() == []
    assert _resolved("product_inventory", "retry") - before == 1


async def test_a_skipped_case_is_counted_resolved_by_skip(
    http: httpx.AsyncClient, http_as: AsClient, break_system: Breaker
) -> None:
    ana = http_as("fallout-agent", subject="ana")
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    body = sample_order("handset-nova-x5", customer=f"fo-skip-{uuid.uuid4().hex[:8]}")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)
    before = _resolved("billing", "skip"), _resolved("billing", "retry")

    skipped = await ana.post(
        f"{FALLOUT}/{case['id']}/skip",
        json={"note": "billed by hand", "result": {"invoice": "INV-7"}},
    )
    assert skipped.status_code == 200, skipped.text
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"

    async def counted() -> bool:
        return _resolved("billing", "skip") > before[0]

    await eventually(counted, timeout=10, what="the skip counted")
    after = _resolved("billing", "skip"), _resolved("billing", "retry")
    assert (after[0] - before[0], after[1] - before[1]) == (1, 0)
