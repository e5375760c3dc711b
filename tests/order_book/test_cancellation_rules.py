"""Cancellation: denied exactly when an item passed a point of no return (a bundle's child
product counts for the bundle's item); otherwise what is withdrawn and what is undone, in which
order. Pure: an order book played to any point of its plan by hypothesis."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decomposition.catalog import TaskKind
from tmf.cancel_order import CancelProductOrder, CancelState
from tmf.product_order import ItemState
from workflows.messages import FalloutNotice, OverridePointOfNoReturn
from workflows.order import cancellation
from workflows.order.book import OrderBook
from workflows.order.validation import Refusal, check_override
from workflows.plan_execution import TaskStatus

from .books import NOW, advance, first, new_book, running

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OFFERINGS = st.sampled_from(["fiber-broadband", "iptv", "triple-play", "handset-nova-x5"])


def _played(data: st.DataObject, offering: str) -> OrderBook:
    book = new_book(offering)
    steps = data.draw(st.integers(0, len(book.plan.plan.tasks)), label="tasks finished")
    advance(book, lambda active: data.draw(st.sampled_from(active)), steps)
    return book


def _started(book: OrderBook, hard: bool) -> set[str]:
    """Items with a started task flagged as a (hard) point of no return."""
    return {
        t.root_item_id
        for t in book.plan.plan.tasks
        if (t.hard_point_of_no_return if hard else t.point_of_no_return)
        and book.plan.runs[t.id].status != TaskStatus.PENDING
    }


def _blocking(book: OrderBook) -> list[str]:
    return cancellation.blocking(book.order, book.cancelled_items, book.plan, book.ponr_overrides)


@SETTINGS
@given(OFFERINGS, st.data())
def test_denied_exactly_when_an_item_passed_its_point_of_no_return(
    offering: str, data: st.DataObject
) -> None:
    book = _played(data, offering)
    items = [i.id for i in book.order.product_order_item]
    lifted = data.draw(st.sets(st.sampled_from(items)), label="soft PONRs lifted")
    for item_id in sorted(lifted):
        try:
            check_override(book, OverridePointOfNoReturn(item_id=item_id, actor="m", reason="r"))
        except Refusal as refusal:  # a hard PONR cannot be lifted
            assert refusal.kind == "PointOfNoReturn" and item_id in _started(book, hard=True)
            continue
        book.override_point_of_no_return(
            OverridePointOfNoReturn(item_id=item_id, actor="m", reason="r"), NOW
        )

    blocked = _blocking(book)

    hard, soft = _started(book, hard=True), _started(book, hard=False)
    assert set(blocked) == hard | (soft - set(book.ponr_overrides))
    for item in book.order.product_order_item:
        assert item.point_of_no_return == (item.id in soft), "GET shows the flag"


def test_a_bundle_child_past_its_point_of_no_return_blocks_the_bundle_item() -> None:
    book = new_book("triple-play")  # one item; broadband, IPTV and mobile are child products
    install = "service-cfs-internet-access-1/broadband:install"
    while book.plan.runs[install].status == TaskStatus.PENDING:
        advance(book, first, 1)

    assert book.plan.plan.task(install).item_id == "1"
    assert _blocking(book) == ["1"]
    assert book.order.item("1").point_of_no_return  # type: ignore[union-attr]


@SETTINGS
@given(OFFERINGS, st.data())
def test_a_cancellation_that_proceeds_withdraws_idle_work_and_undoes_done_work_latest_first(
    offering: str, data: st.DataObject
) -> None:
    book = _played(data, offering)
    active = running(book)
    fall_out: bool = data.draw(st.booleans(), label="one task fell out")
    if active and fall_out:
        fallen = data.draw(st.sampled_from(active))
        book.inbox.append(FalloutNotice(task_id=fallen, case_id="c", state="open", action="opened"))
        book.take_messages(NOW)
    runs = book.plan.runs
    kinds = {t.id: t.kind for t in book.plan.plan.tasks}

    withdrawn = cancellation.to_withdraw(book.plan, set())
    undone = cancellation.to_undo(book.plan)

    for task_id, run in runs.items():
        idle = run.status in {TaskStatus.HELD, TaskStatus.FALLOUT} or (
            run.status == TaskStatus.RUNNING and kinds[task_id] != TaskKind.AUTOMATED
        )
        assert (task_id in withdrawn) == idle
        assert (task_id in undone) == (run.status == TaskStatus.COMPLETED)
    order = book.plan.plan.topological_order()
    assert undone == sorted(undone, key=order.index, reverse=True)
    assert cancellation.to_withdraw(book.plan, set(withdrawn)) == [], "asked once per task"
    still_calling = any(
        r.status == TaskStatus.RUNNING and kinds[t] == TaskKind.AUTOMATED for t, r in runs.items()
    )
    assert cancellation.released(book.plan, 0) == (not still_calling and not withdrawn)


def test_a_denied_cancellation_names_the_blocking_items_and_a_done_one_cancels_every_item() -> None:
    book = new_book("iptv")
    request = CancelProductOrder.model_validate(
        {
            "id": "c-1",
            "href": "h",
            "productOrder": {"id": "o-1"},
            "cancellationReason": "moved abroad",
        }
    )
    book.request_cancellation(request, NOW)
    assert book.cancellation is not None and book.cancel_due(NOW)

    cancellation.deny(book.cancellation, ["1", "2"])
    assert book.cancellation.state == CancelState.TERMINATED_WITH_ERROR
    assert book.cancellation.error_message == (
        "PointOfNoReturn: item(s) 1, 2 passed their point of no return"
    )

    cancellation.finish(book.order, book.cancellation, NOW)
    assert {i.state for i in book.order.product_order_item} == {ItemState.CANCELLED}
    assert book.order.cancellation_reason == "moved abroad"
    assert book.order.cancellation_date == NOW == book.order.completion_date
