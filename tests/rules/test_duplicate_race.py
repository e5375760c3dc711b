"""The duplicate screen is atomic with the order's insert (store/reviews.py): two identical
orders accepted at the same moment, on whichever store runs the tests, and exactly one passes."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from store import orders
from store.reviews import DuplicateScreen
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder


class Refused(Exception):
    pass


def test_two_identical_orders_at_once_exactly_one_passes(database: str) -> None:
    customer = f"race-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    placed = [
        ProductOrder.model_validate(
            {
                **sample_order("fiber-broadband", customer=customer),
                "id": str(uuid.uuid4()),
                "href": "h",
                "orderDate": now,
            }
        )
        for _ in range(2)
    ]
    seen: list[int] = []

    def decide_for(order: ProductOrder) -> Any:
        def decide(open_orders: list[dict[str, Any]]) -> ProductOrder:
            seen.append(len(open_orders))
            time.sleep(0.3)  # a slow screen: without the lock both would have read nothing
            if open_orders:
                raise Refused
            return order

        return decide

    start = threading.Barrier(2)

    def accept(order: ProductOrder) -> str:
        screen = DuplicateScreen(customer, now - timedelta(hours=1), decide_for(order))
        start.wait()
        try:
            orders.accept_order(order, None, "race", queued=False, screen=screen)
        except Refused:
            return "refused"
        return "passed"

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(accept, placed))

    assert results == ["passed", "refused"], seen
    assert sorted(seen) == [0, 1]  # the second screen saw the first order, committed
    stored = [orders.get_order(o.id) for o in placed]
    assert sum(doc is not None for doc in stored) == 1  # the refused one rolled back
