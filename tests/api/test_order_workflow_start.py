"""How the API starts an order's workflow: a large order gets a workflow task timeout its replay
fits in (issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.order_workflows import LARGE_ORDER_ITEMS, task_timeout
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder


def _order(items: int) -> ProductOrder:
    body = sample_order("triple-play", customer="start-timeout")
    [item] = body["productOrderItem"]
    body["productOrderItem"] = [{**item, "id": str(n)} for n in range(1, items + 1)]
    return ProductOrder.model_validate(
        {**body, "id": "o-1", "href": "h", "orderDate": datetime.now(UTC)}
    )


def test_orders_up_to_the_old_size_limit_keep_the_servers_workflow_task_timeout() -> None:
    assert task_timeout(_order(1)) is None
    assert task_timeout(_order(LARGE_ORDER_ITEMS)) is None


def test_a_larger_order_gets_a_workflow_task_timeout_a_replay_fits_in() -> None:
    timeout = task_timeout(_order(LARGE_ORDER_ITEMS + 1))
    assert timeout is not None and timeout > timedelta(seconds=10)
