"""The order book over a whole plan: dispatch order, final states, reports from the domain
orders, the context a task is dispatched with, jeopardy. Pure, without Temporal."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmf.cancel_order import CancelProductOrder
from tmf.events import EventType
from tmf.product_order import ItemState, OrderState
from workflows.messages import FalloutNotice, TaskHeld
from workflows.order.book import OrderBook
from workflows.plan_execution import TaskStatus

from .books import NOW, advance, finish, first, new_book, running

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OFFERINGS = st.sampled_from(["fiber-broadband", "iptv", "triple-play", "handset-nova-x5"])


def _events(book: OrderBook, event_type: EventType) -> list[dict[str, object]]:
    return [e.detail for e in book.events if e.event_type == event_type]


@SETTINGS
@given(OFFERINGS, st.data())
def test_a_plan_runs_in_dependency_order_to_the_final_state_its_items_call_for(
    offering: str, data: st.DataObject
) -> None:
    book = new_book(offering)
    task_ids = [t.id for t in book.plan.plan.tasks]
    failing = data.draw(st.sets(st.sampled_from(task_ids), max_size=3), label="tasks that fail")

    while True:
        for batch in book.dispatch(NOW).values():
            for request in batch:  # dispatched only once everything it needs is done
                for dep in request.task.depends_on:
                    assert book.plan.runs[dep].status == TaskStatus.COMPLETED
        active = running(book)
        if not active:
            break
        task_id = data.draw(st.sampled_from(active), label="finishes next")
        finish(book, task_id, succeeded=task_id not in failing)

    assert book.is_done()
    failed_items = {
        t.root_item_id for t in book.plan.plan.tasks if book.plan.runs[t.id].status != "completed"
    }
    items = {i.id: i.state for i in book.order.product_order_item}
    for item_id, state in items.items():
        assert state == (ItemState.FAILED if item_id in failed_items else ItemState.COMPLETED)
    if not failed_items:
        expected = OrderState.COMPLETED
    elif failed_items == set(items):
        expected = OrderState.FAILED
    else:
        expected = OrderState.PARTIAL
    assert book.final_state() == expected
    reasons = [m.reason for m in book.order.error_message or []]
    assert len(reasons) == len([t for t in failing if book.plan.runs[t].status == "failed"])


def test_a_task_in_fallout_holds_its_item_and_counts_once() -> None:
    book = new_book("handset-nova-x5")
    book.dispatch(NOW)
    (charge,) = running(book)
    book.inbox.append(
        FalloutNotice(task_id=charge, case_id="case-1", state="open", action="opened", error="x")
    )
    book.take_messages(NOW)
    book.refresh_items(NOW)

    assert book.order.item("1").state == ItemState.HELD  # type: ignore[union-attr]
    assert (book.count_fallout(), book.count_fallout()) == (1, None)
    (opened,) = _events(book, EventType.FALLOUT_OPENED)
    assert (opened["caseId"], opened["taskId"], opened["itemId"]) == ("case-1", charge, "1")

    book.inbox.append(FalloutNotice(task_id=charge, case_id="case-1", state="r", action="retry"))
    book.take_messages(NOW)
    assert book.plan.runs[charge].status == TaskStatus.RUNNING
    assert book.count_fallout() == 0


def test_a_system_offline_holds_the_task_until_it_is_back() -> None:
    book = new_book("handset-nova-x5")
    book.dispatch(NOW)
    (charge,) = running(book)
    book.inbox.append(TaskHeld(task_id=charge, held=True, reason="payments offline"))
    book.take_messages(NOW)
    assert book.plan.runs[charge].status == TaskStatus.HELD
    book.inbox.append(TaskHeld(task_id=charge, held=False))
    book.take_messages(NOW)
    assert book.plan.runs[charge].status == TaskStatus.RUNNING


def test_a_milestone_reached_is_an_event_and_shows_on_the_order() -> None:
    book = new_book("handset-nova-x5")
    advance(book, first, 2)  # charge, ship: the delivered milestone runs
    (delivered,) = running(book)

    finish(book, delivered)

    (reached,) = _events(book, EventType.ORDER_MILESTONE)
    assert (reached["itemId"], reached["taskId"]) == ("1", delivered)
    assert [(m.id, m.name) for m in book.order.milestone or []] == [
        (delivered, reached["milestone"])
    ]


def test_assetization_gets_the_product_as_inventory_will_record_it() -> None:
    book = new_book("fiber-broadband")
    while book.plan.runs["product-broadband-1:assetize"].status == TaskStatus.PENDING:
        advance(book, first, 1)
    book.plan.runs["product-broadband-1:assetize"].status = TaskStatus.PENDING
    batches = book.dispatch(NOW)

    (request,) = batches["product-broadband-1"]
    product = request.task.params["product"]
    assert request.task.params["action"] == "add"
    assert product["productOffering"] == {"id": "fiber-broadband"}
    assert {c["name"] for c in product["productCharacteristic"]}.isdisjoint({"productId", "action"})
    assert {s["id"] for s in product["realizingService"]} == {
        "order-o-1/service-cfs-internet-access-1",
        "order-o-1/service-rfs-ftth-access-1",
        "order-o-1/service-rfs-home-gateway-1",
    }
    assert [r["id"] for r in product["realizingResource"]] == ["order-o-1/resource-router-1"]
    assert product["productOrderItem"] == [
        {"orderItemId": "1", "productOrderId": "o-1", "orderItemAction": "add"}
    ]


def test_the_technician_is_booked_at_the_requested_start() -> None:
    book = new_book("fiber-broadband")
    batches = book.dispatch(NOW)
    booking = next(
        r for batch in batches.values() for r in batch if r.task.system == "field_service"
    )
    assert booking.task.params["requestedStartDate"] == NOW.isoformat().replace("+00:00", "Z")


def test_jeopardy_is_told_when_its_level_changes_and_cleared_when_the_order_closes() -> None:
    book = new_book("handset-nova-x5")
    book.dispatch(NOW)
    (charge,) = running(book)

    assert book.assess_jeopardy(NOW) == "none", "the first assessment sets the attribute"
    assert not _events(book, EventType.ORDER_JEOPARDY)
    assert book.assess_jeopardy(NOW) is None, "nothing changed: nothing to write"
    expected = book.plan.plan.task(charge).expected_duration_seconds
    late = NOW + timedelta(seconds=expected + 1)

    assert book.assess_jeopardy(late) == "critical"
    assert book.order.item("1").jeopardy == "critical"  # type: ignore[union-attr]
    (alert,) = _events(book, EventType.ORDER_JEOPARDY)
    assert (alert["level"], alert["previousLevel"]) == ("critical", "none")

    book.assessing = True
    assert book.assess_jeopardy(late) is None, "paused while a change is assessed"
    assert book.clear_jeopardy(late) is True
    assert book.order.jeopardy is not None and book.order.jeopardy.level == "none"
    assert [e["level"] for e in _events(book, EventType.ORDER_JEOPARDY)] == ["critical", "none"]


@given(st.integers(0, 10_000), st.integers(0, 10_000))
@settings(deadline=None)
def test_the_wait_loop_wakes_for_the_next_jeopardy_threshold_or_the_cancellation_date(
    cancel_in: int, elapsed: int
) -> None:
    book = new_book("handset-nova-x5")
    book.dispatch(NOW)
    book.assess_jeopardy(NOW)
    threshold = book.jeopardy.next_check if book.jeopardy else None
    assert threshold is not None, "a running task has a threshold to watch"
    now = NOW + timedelta(seconds=elapsed)
    request = CancelProductOrder.model_validate(
        {
            "id": "c-1",
            "href": "h",
            "productOrder": {"id": "o-1"},
            "requestedCancellationDate": (NOW + timedelta(seconds=cancel_in)).isoformat(),
        }
    )
    assert book.until_next_check(now) == max(threshold - now, timedelta(milliseconds=1))
    assert not book.should_wake(now)

    book.request_cancellation(request, NOW)

    due = NOW + timedelta(seconds=cancel_in)
    assert book.cancel_due(now) == (due <= now)
    assert book.should_wake(now) == (due <= now)
    waits = [threshold - now, due - now]
    assert book.until_next_check(now) == max(min(waits), timedelta(milliseconds=1))
    book.assessing = True  # jeopardy paused; the cancellation date still counts
    assert book.until_next_check(now) == max(due - now, timedelta(milliseconds=1))
    assert not book.should_wake(now)
