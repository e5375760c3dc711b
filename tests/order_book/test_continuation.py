"""An order continued as new (workflows/order/continuation.py): the next run's book is the last
run's, through Temporal's JSON, and goes on exactly as the last one would have."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.order_book.books import NOW, advance, event_ids, finish, first, new_book, running
from tmf.product_order import ProductOrder
from workflows.messages import TaskHeld
from workflows.order import continuation
from workflows.order.book import OrderBook
from workflows.order.continuation import ResumedOrder
from workflows.plan_execution import ACTIVE


def _handed_over(book: OrderBook) -> OrderBook:
    """What the next run builds from the last one's input, after a trip through JSON."""
    book.take_events()  # the last run writes its progress before it hands over
    resumed = ResumedOrder.model_validate_json(
        continuation.carry(book, ["d-1"], run=1).model_dump_json()
    )
    order = ProductOrder.model_validate_json(book.order.model_dump_json())
    after = OrderBook(order, book.policy, event_ids(), NOW + timedelta(hours=1), copy=False)
    continuation.restore(after, resumed)
    assert resumed.open_children == ["d-1"] and resumed.run == 2
    return after


@pytest.mark.parametrize("offering", ["fiber-broadband", "triple-play", "handset-nova-x5"])
def test_the_next_run_goes_on_as_the_last_would_have(offering: str) -> None:
    book = new_book(offering)
    advance(book, first, steps=3)
    book.inbox.append(TaskHeld(task_id=running(book)[0], held=True, reason="offline"))
    book.cancelled_items.add("x")
    book.ponr_overrides["1"] = "agent"

    after = _handed_over(book)

    assert after.events == []  # "Order created" was the first run's, not each run's
    assert after.order == book.order
    assert after.plan.runs == book.plan.runs
    assert after.inbox == book.inbox  # reports not taken yet are taken by the next run
    assert (after.cancelled_items, after.ponr_overrides) == ({"x"}, {"1": "agent"})
    assert after.revision == book.revision  # the store's next write comes after the last
    # Both books, driven alike to the end, end alike.
    for each in (book, after):
        each.take_messages(NOW)
        each.dispatch(NOW)
        while active := [i for i, r in each.plan.runs.items() if r.status in ACTIVE]:
            finish(each, active[0])
            each.dispatch(NOW)
        each.refresh_items(NOW)
    assert after.is_done() and book.is_done()
    assert after.order == book.order
    assert after.final_state() == book.final_state()


def test_an_order_hands_over_only_when_nothing_is_half_done() -> None:
    book = new_book("fiber-broadband")
    advance(book, first, steps=2)
    assert continuation.quiet(book)
    book.inbox.append(TaskHeld(task_id=running(book)[0], held=True))
    assert continuation.quiet(book)  # reports are carried over
    book.assessing = True  # an amendment or a cancellation being assessed
    assert not continuation.quiet(book)
    book.assessing = False
    task_id = running(book)[0]
    book.retired[task_id] = (book.plan.plan.task(task_id), book.plan.runs[task_id])
    assert not continuation.quiet(book)  # an amendment's removed task still to undo


def test_due_once_the_history_reaches_the_policy_threshold() -> None:
    book = new_book("fiber-broadband")
    threshold = book.policy.continue_as_new_after_events
    assert not continuation.due(book, threshold - 1)
    assert continuation.due(book, threshold)
