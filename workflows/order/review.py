"""The review an order waits for before anything of it is fulfilled. Pure.

Two kinds: an `approval` (the catalog's approval rules match the priced order: state `pending`
until an approver approves or rejects it) and a suspected `duplicate` (held at capture by a
duplicate rule: state `held` until an agent releases or cancels it). The wait has a jeopardy
threshold of its own (`OrderPolicy.approval_jeopardy_hours`): nobody deciding is a risk to the
order's due date long before any task could be late.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from decomposition.plan import Plan
from decomposition.pricing import OrderPricing
from decomposition.problems import Problem
from tmf.common import iso_z
from tmf.events import EventType
from tmf.product_order import (
    Amendment,
    ItemState,
    OrderJeopardy,
    OrderReview,
    OrderState,
    ProductOrder,
)
from workflows.jeopardy import JeopardyLevel
from workflows.messages import AmendOrder, ReviewAction, ReviewDecision
from workflows.order.cancellation import done
from workflows.order.risk import due_date
from workflows.policy import OrderPolicy
from workflows.refusal import Refusal

if TYPE_CHECKING:
    from workflows.order.book import OrderBook

APPROVAL = "approval"
DUPLICATE = "duplicate"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    RELEASED = "released"
    CANCELLED = "cancelled"
    # An amendment made the order match no approval rule any more.
    AMENDED = "amended"


DECISIONS = {
    ReviewAction.APPROVE: Decision.APPROVED,
    ReviewAction.REJECT: Decision.REJECTED,
    ReviewAction.RELEASE: Decision.RELEASED,
}
# Which action ends which kind of wait.
ACTIONS = {
    APPROVAL: {ReviewAction.APPROVE, ReviewAction.REJECT},
    DUPLICATE: {ReviewAction.RELEASE},
}


def waiting_state(review: OrderReview) -> OrderState:
    return OrderState.PENDING if review.kind == APPROVAL else OrderState.HELD


def approval_review(approvals: Sequence[tuple[str, str]], now: datetime) -> OrderReview | None:
    """The approval the order waits for, given the (rule, reason) pairs it matches; None when it
    matches none."""
    if not approvals:
        return None
    return OrderReview(
        kind=APPROVAL,
        reason="; ".join(reason for _, reason in approvals),
        rules=[rule for rule, _ in approvals],
        since=now,
    )


def duplicate_review(reason: str, rule: str, duplicate_of: str, now: datetime) -> OrderReview:
    return OrderReview(
        kind=DUPLICATE, reason=reason, rules=[rule], duplicate_of=duplicate_of, since=now
    )


def check_decision(order: ProductOrder, decision: ReviewDecision) -> None:
    """Refused (before history) unless the order waits for a review this action ends."""
    review = order.open_review()
    if review is None:
        raise Refusal("InvalidState", f"order {order.id} waits for no review")
    if decision.action not in ACTIONS[review.kind]:
        allowed = " or ".join(sorted(a.value for a in ACTIONS[review.kind]))
        raise Refusal(
            "InvalidState",
            f"order {order.id} waits for a {review.kind} review: {allowed}, not "
            f"{decision.action.value}",
        )
    if decision.action == ReviewAction.REJECT and not (decision.reason or "").strip():
        raise Refusal("Invalid", "a rejection needs a reason")


def decide(
    review: OrderReview,
    decision: Decision,
    now: datetime,
    actor: str | None = None,
    reason: str | None = None,
) -> None:
    review.decision = decision.value
    review.decided_by = actor
    review.decision_date = now
    review.decision_reason = reason


def reamended(review: OrderReview, approvals: Sequence[tuple[str, str]], now: datetime) -> bool:
    """An amended order's approval, re-evaluated: True when it waits no more (no rule matches);
    otherwise the reason and rules are the amended order's (the wait keeps its start)."""
    if review.kind != APPROVAL:
        return False  # a suspected duplicate stays held: an agent decides
    if not approvals:
        decide(review, Decision.AMENDED, now, reason="the amended order needs no approval")
        return True
    again = approval_review(approvals, review.since)
    assert again is not None
    review.reason, review.rules = again.reason, again.rules
    return False


def wait_jeopardy(
    since: datetime, now: datetime, policy: OrderPolicy
) -> tuple[JeopardyLevel, datetime | None]:
    """The wait's jeopardy level now, and when it next changes (None: it is at its worst)."""
    limit = timedelta(hours=policy.approval_jeopardy_hours)
    warning_at = since + limit * policy.jeopardy_warning_share
    critical_at = since + limit
    if now >= critical_at:
        return JeopardyLevel.CRITICAL, None
    if now >= warning_at:
        return JeopardyLevel.WARNING, critical_at
    return JeopardyLevel.NONE, warning_at


def jeopardy_cause(review: OrderReview, policy: OrderPolicy) -> str:
    who = "an approver" if review.kind == APPROVAL else "an agent's review"
    return f"waiting for {who} past the threshold of {policy.approval_jeopardy_hours:g} h"


# -- the order book's side of the wait (the workflow tells the story, effects.py the commands) --


def start_wait(
    book: OrderBook, review: OrderReview, now: datetime, was: OrderState | None = None
) -> OrderState:
    """The order waits for `review`: recorded on the order with an event giving the reason; the
    state it waits in (the caller moves it there: search attribute and store write)."""
    book.order.review = [*(book.order.review or []), review]
    state = waiting_state(review)
    was = was or book.order.state
    book.emit(
        now,
        EventType.ORDER_STATE_CHANGE,
        f"Order {state.value}: waiting for {'approval' if review.kind == APPROVAL else 'review'}",
        reason=review.reason,
        fromState=was.value,
        toState=state.value,
        review=review.kind,
        rules=review.rules,
        duplicateOf=review.duplicate_of,
    )
    book.order.state = state
    return state


def held_at_capture(book: OrderBook, now: datetime) -> OrderState:
    """A suspected duplicate was recorded `held` at capture: its history says why."""
    review = book.order.open_review()
    assert review is not None
    book.order.review = (book.order.review or [])[:-1]
    return start_wait(book, review, now, was=OrderState.ACKNOWLEDGED)


def decided(book: OrderBook) -> Decision | None:
    last = book.order.review[-1] if book.order.review else None
    return Decision(last.decision) if last is not None and last.decision else None


def record_decision(book: OrderBook, decision: ReviewDecision, now: datetime) -> None:
    review = book.order.open_review()
    assert review is not None
    outcome = DECISIONS[decision.action]
    decide(review, outcome, now, decision.actor, decision.reason)
    book.emit(
        now,
        EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
        f"Order {outcome.value}",
        actor=decision.actor,
        actor_role=decision.actor_role,
        reason=decision.reason,
        review=review.kind,
        decision=outcome.value,
    )


def assess(book: OrderBook, now: datetime) -> str | None:
    """The wait's jeopardy, shown on the order; the level for the search attribute when it
    changed."""
    review = book.order.open_review()
    if review is None:
        return None
    level, book.review_next_check = wait_jeopardy(review.since, now, book.policy)
    was = JeopardyLevel(book.order.jeopardy.level) if book.order.jeopardy else JeopardyLevel.NONE
    if level == was:
        return None
    cause = jeopardy_cause(review, book.policy) if level != JeopardyLevel.NONE else None
    due = due_date(book.order, book.policy)
    book.order.jeopardy = OrderJeopardy(level=level.value, cause=cause, due_date=due)
    book.emit(
        now,
        EventType.ORDER_JEOPARDY,
        f"Jeopardy {level.value}",
        reason=cause,
        level=level.value,
        previousLevel=was.value,
        dueDate=iso_z(due),
    )
    return level.value


def until_next_check(book: OrderBook, now: datetime) -> timedelta | None:
    """The wait's next jeopardy threshold or the requested cancellation date, whichever first."""
    waits: list[timedelta] = []
    if book.review_next_check is not None:
        waits.append(max(book.review_next_check - now, timedelta(milliseconds=1)))
    pending = book.cancellation
    if pending is not None and pending.requested_cancellation_date is not None:
        waits.append(max(pending.requested_cancellation_date - now, timedelta(milliseconds=1)))
    return min(waits) if waits else None


def amend_waiting(
    book: OrderBook,
    request: AmendOrder,
    amended: ProductOrder,
    approvals: Sequence[tuple[str, str]],
    plan: Plan,
    pricing: OrderPricing | None,
    now: datetime,
) -> None:
    """An amendment while the order waits: nothing ran, so the amended order simply takes over
    (removed items cancelled), and an approval is decided again on the amended order."""
    order = book.order
    before = {i.id for i in order.product_order_item if i.id not in book.cancelled_items}
    after = {i.id for i in amended.product_order_item}
    changed = sorted(set(book.affected_items(amended)) - (before - after))
    kept = [i for i in order.product_order_item if i.id not in after]
    for item in kept:
        item.state = ItemState.CANCELLED
        book.cancelled_items.add(item.id)
    order.product_order_item = [*amended.product_order_item, *kept]
    for field in ("requested_completion_date", "requested_start_date", "description", "note"):
        setattr(order, field, getattr(amended, field))
    order.version += 1
    record = Amendment(
        version=order.version,
        date=now,
        actor=request.actor,
        reason=request.reason,
        added_items=sorted(after - before),
        removed_items=sorted(before - after),
        changed_items=changed,
    )
    order.amendment = [*(order.amendment or []), record]
    review = order.open_review()
    assert review is not None
    if book.review_plan is not None:  # an approval wait: the order is planned already
        book.review_plan = (plan, pricing)
    released = reamended(review, approvals, now)
    book.emit(
        now,
        EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
        f"Order amended (version {order.version})",
        actor=request.actor,
        actor_role=request.actor_role,
        reason=request.reason,
        amendment=record.model_dump(mode="json", by_alias=True),
        review=review.kind,
        stillWaiting=not released,
    )


def reject(book: OrderBook, now: datetime) -> None:
    """The approver rejected the order: rejected with the approver's reason."""
    review = book.order.review[-1] if book.order.review else None
    reason = review.decision_reason if review and review.decision_reason else "rejected"
    book.reject([Problem(code="ApprovalRejected", reason=reason)], now)


def cancel_waiting(book: OrderBook, now: datetime) -> None:
    """A cancellation ends the wait: nothing ran, so nothing is undone."""
    request = book.cancellation
    assert request is not None
    review = book.order.open_review()
    if review is not None:
        decide(review, Decision.CANCELLED, now, reason=request.cancellation_reason)
    done(book.order, request, now)
