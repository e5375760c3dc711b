"""Order books over real plans of the sample catalog, and a driver that plays the domain orders'
reports into them: the pure order rules run here without Temporal, in milliseconds."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from decomposition.plan import Plan
from store.catalog_files import load_catalog_repository
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder
from workflows.messages import TaskFinished
from workflows.order.book import OrderBook
from workflows.plan_execution import TaskStatus
from workflows.policy import OrderPolicy

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalog"


@cache
def catalog() -> CatalogVersion:
    return load_catalog_repository(CATALOG_DIR).get("2026.1")


def event_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"event-{next(counter)}"


def order_of(offering: str, **extra: Any) -> ProductOrder:
    body = sample_order(offering, **extra)
    body["requestedStartDate"] = NOW.isoformat()
    return ProductOrder.model_validate({**body, "id": "o-1", "href": "h", "orderDate": NOW})


def plan_for(order: ProductOrder) -> Plan:
    result = decompose(order, catalog(), order_id=order.id)
    assert result.plan is not None, result.problems
    return result.plan


@cache
def _planned(offering: str) -> tuple[ProductOrder, Plan]:
    order = order_of(offering)
    return order, plan_for(order)


def new_book(offering: str) -> OrderBook:
    """A planned order, nothing dispatched yet (the book copies the order; nothing changes a
    plan in place, so examples share it)."""
    order, plan = _planned(offering)
    book = OrderBook(order, OrderPolicy(), event_ids(), NOW)
    book.start(plan, None, NOW)
    return book


def running(book: OrderBook) -> list[str]:
    return [t.id for t in book.plan.plan.tasks if book.plan.runs[t.id].status == TaskStatus.RUNNING]


def finish(book: OrderBook, task_id: str, succeeded: bool = True) -> None:
    book.inbox.append(
        TaskFinished(
            task_id=task_id,
            succeeded=succeeded,
            started_at=NOW,
            ended_at=NOW,
            error=None if succeeded else "the system said no",
        )
    )
    book.take_messages(NOW)
    book.refresh_items(NOW)


def advance(book: OrderBook, pick: Callable[[list[str]], str], steps: int) -> None:
    """Dispatch what is ready and finish one running task (chosen by `pick`), `steps` times;
    then dispatch what became ready, so the plan stops with tasks done, running and pending."""
    for _ in range(steps):
        book.dispatch(NOW)
        active = running(book)
        if not active:
            break
        finish(book, pick(active))
    book.dispatch(NOW)
    book.refresh_items(NOW)


def first(tasks: list[str]) -> str:
    return tasks[0]
