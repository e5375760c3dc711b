"""The review an order waits for before fulfilment (workflows/order/review.py), pure: who may
decide what, the wait's jeopardy, an amendment and a cancellation while it waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.order_book.books import NOW, event_ids, order_of, plan_for
from tmf.cancel_order import CancelProductOrder, CancelState
from tmf.events import EventType
from tmf.product_order import ItemState, OrderState
from workflows.jeopardy import JeopardyLevel
from workflows.messages import AmendOrder, ReviewAction, ReviewDecision
from workflows.order import review, validation
from workflows.order.book import OrderBook
from workflows.policy import OrderPolicy

BIG = [("big-orders", "Orders above 500 EUR need an approver")]


def waiting_book(approvals=BIG) -> OrderBook:
    order = order_of("handset-nova-x5")
    book = OrderBook(order, OrderPolicy(approval_jeopardy_hours=10), event_ids(), NOW)
    wait = review.approval_review(approvals, NOW)
    assert wait is not None
    book.review_plan = (plan_for(order), None)
    assert review.start_wait(book, wait, NOW) == OrderState.PENDING
    return book


def decision(action: ReviewAction, reason: str | None = None) -> ReviewDecision:
    return ReviewDecision(action=action, actor="ann", actor_role="order-approver", reason=reason)


def test_an_order_matching_no_approval_rule_does_not_wait():
    assert review.approval_review([], NOW) is None


def test_the_wait_shows_pending_with_the_rules_reason_in_the_order_and_its_history():
    book = waiting_book()
    assert book.order.state == OrderState.PENDING
    shown = book.order.open_review()
    assert shown is not None and shown.reason == BIG[0][1] and shown.rules == ["big-orders"]
    change = book.events[-1]
    assert change.event_type == EventType.ORDER_STATE_CHANGE and change.reason == BIG[0][1]
    assert change.detail["toState"] == "pending"


def test_approve_records_the_approver_and_ends_the_wait():
    book = waiting_book()
    review.check_decision(book.order, decision(ReviewAction.APPROVE))
    review.record_decision(book, decision(ReviewAction.APPROVE), NOW + timedelta(hours=1))
    assert review.decided(book) == review.Decision.APPROVED
    assert book.order.open_review() is None
    assert book.order.review is not None and book.order.review[-1].decided_by == "ann"
    assert book.events[-1].actor == "ann"


def test_a_rejection_needs_a_reason_and_rejects_the_order_with_it():
    book = waiting_book()
    with pytest.raises(validation.Refusal, match="needs a reason"):
        review.check_decision(book.order, decision(ReviewAction.REJECT, "  "))
    review.record_decision(book, decision(ReviewAction.REJECT, "over budget"), NOW)
    review.reject(book, NOW)
    assert book.order.error_message is not None
    assert [(e.code, e.reason) for e in book.order.error_message] == [
        ("ApprovalRejected", "over budget")
    ]
    assert {i.state for i in book.order.all_items()} == {ItemState.REJECTED}


def test_an_approval_cannot_be_released_nor_a_duplicate_approved():
    book = waiting_book()
    with pytest.raises(validation.Refusal, match="approve or reject"):
        review.check_decision(book.order, decision(ReviewAction.RELEASE))
    held = OrderBook(order_of("handset-nova-x5"), OrderPolicy(), event_ids(), NOW)
    held.order.review = [review.duplicate_review("dup of o-0", "same-line", "o-0", NOW)]
    held.order.state = OrderState.HELD
    assert review.held_at_capture(held, NOW) == OrderState.HELD
    with pytest.raises(validation.Refusal, match="release"):
        review.check_decision(held.order, decision(ReviewAction.APPROVE))
    review.check_decision(held.order, decision(ReviewAction.RELEASE))
    assert held.events[-1].detail["duplicateOf"] == "o-0"


def test_nothing_to_decide_once_decided():
    book = waiting_book()
    review.record_decision(book, decision(ReviewAction.APPROVE), NOW)
    with pytest.raises(validation.Refusal, match="waits for no review"):
        review.check_decision(book.order, decision(ReviewAction.APPROVE))


@given(st.floats(min_value=0, max_value=30))
def test_the_wait_goes_into_jeopardy_at_its_own_threshold(hours: float):
    policy = OrderPolicy(approval_jeopardy_hours=10, jeopardy_warning_share=0.8)
    level, next_check = review.wait_jeopardy(NOW, NOW + timedelta(hours=hours), policy)
    expected = (
        JeopardyLevel.CRITICAL
        if hours >= 10
        else JeopardyLevel.WARNING
        if hours >= 8
        else JeopardyLevel.NONE
    )
    assert level == expected
    assert (
        next_check
        == {
            JeopardyLevel.NONE: NOW + timedelta(hours=8),
            JeopardyLevel.WARNING: NOW + timedelta(hours=10),
            JeopardyLevel.CRITICAL: None,
        }[level]
    )


def test_the_order_shows_the_waits_jeopardy_once_per_level():
    book = waiting_book()
    assert review.assess(book, NOW) is None  # on time: nothing to show
    assert review.until_next_check(book, NOW) == timedelta(hours=8)
    assert review.assess(book, NOW + timedelta(hours=9)) == "warning"
    assert review.assess(book, NOW + timedelta(hours=9, minutes=30)) is None
    assert review.assess(book, NOW + timedelta(hours=11)) == "critical"
    assert book.order.jeopardy is not None and "approver" in (book.order.jeopardy.cause or "")
    assert book.events[-1].event_type == EventType.ORDER_JEOPARDY


def test_an_amendment_that_no_rule_matches_any_more_ends_the_wait():
    book = waiting_book()
    request = AmendOrder(patch={"description": "smaller"}, actor="cust", reason="cheaper")
    amended = book.amended(request.patch)
    plan = plan_for(amended)
    review.amend_waiting(book, request, amended, [], plan, None, NOW + timedelta(minutes=5))
    assert review.decided(book) == review.Decision.AMENDED
    assert book.order.version == 2 and book.order.description == "smaller"
    assert book.review_plan == (plan, None)


def test_an_amendment_still_matching_keeps_the_wait_with_the_new_reason():
    book = waiting_book()
    request = AmendOrder(patch={"description": "bigger"}, actor="cust")
    amended = book.amended(request.patch)
    other = [("partner-channel", "Partner orders need an approver")]
    review.amend_waiting(book, request, amended, other, plan_for(amended), None, NOW)
    waiting = book.order.open_review()
    assert waiting is not None and waiting.rules == ["partner-channel"]
    assert waiting.since == NOW  # the wait keeps its start: its jeopardy too


def test_an_amendment_while_waiting_passes_validation_without_a_plan():
    book = waiting_book()
    validation.check_amendment(book, AmendOrder(patch={"description": "x"}), NOW)
    plain = OrderBook(order_of("handset-nova-x5"), OrderPolicy(), event_ids(), NOW)
    with pytest.raises(validation.Refusal, match="not planned yet"):
        validation.check_amendment(plain, AmendOrder(patch={"description": "x"}), NOW)


def test_a_cancellation_ends_the_wait_and_cancels_the_order():
    book = waiting_book()
    cancellation = CancelProductOrder.model_validate(
        {"id": "c-1", "href": "h", "productOrder": {"id": "o-1"}, "cancellationReason": "no"}
    )
    book.request_cancellation(cancellation, NOW, actor="cust")
    assert book.cancel_due(NOW)
    review.cancel_waiting(book, NOW)
    assert book.cancellation is not None and book.cancellation.state == CancelState.DONE
    assert {i.state for i in book.order.all_items()} == {ItemState.CANCELLED}
    assert book.order.review is not None and book.order.review[-1].decision == "cancelled"


def test_an_amendment_keeps_a_suspected_duplicate_held_for_the_agent():
    held = OrderBook(order_of("handset-nova-x5"), OrderPolicy(), event_ids(), NOW)
    held.order.review = [review.duplicate_review("dup of o-0", "same-line", "o-0", NOW)]
    held.order.state = OrderState.HELD
    review.held_at_capture(held, NOW)
    request = AmendOrder(patch={"description": "again"}, actor="cust")
    amended = held.amended(request.patch)
    review.amend_waiting(held, request, amended, [], plan_for(amended), None, NOW)
    assert review.decided(held) is None and held.order.state == OrderState.HELD
    assert held.review_plan is None  # planned only once released
