"""An order continued as new (issue 24): what one run of the order workflow hands to the next.

Temporal replays a workflow's whole history whenever its worker loses the run (a failed workflow
task, a restart, an eviction). A 1,000-item order writes ~30,000 events, whose replay (~100 s)
no longer fits the workflow task timeout, and would near Temporal's 51,200-event limit. So an
order whose history has reached `OrderPolicy.continue_as_new_after_events` continues as new at a
quiet moment of its wait loop: every command acknowledged, no handler running, nothing to undo,
no amendment or cancellation under way, its progress written (reports that keep arriving are
carried over). The new run gets the
order and this book, and goes on in its wait loop; its children are the same workflows,
addressed by id (they report to the order by id, so to whichever run is current). The carried
book and the rules are pure; `hand_over` waits for the quiet moment.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from temporalio import workflow

from tmf.cancel_order import CancelProductOrder
from tmf.common import OrderPrice
from workflows.jeopardy import Assessment
from workflows.messages import FalloutNotice, TaskFinished, TaskHeld, TaskReassigned
from workflows.order.book import Message, OrderBook
from workflows.plan_execution import PlanExecution

if TYPE_CHECKING:  # a type only: effects imports the workflow's Temporal commands
    from workflows.order.effects import OrderEffects

# Patch: asked only once an order's history reaches its threshold, so no recorded history (all
# far below it) carries the marker, and orders started before replay as they ran.
CONTINUE_AS_NEW = "order-continue-as-new"
# Patch: the hand-over waits for a second without reports first. The server refuses to close a
# run when a signal arrived during its last workflow task (UNHANDLED_COMMAND), and the retry
# replays the whole run: a large order's children report many times a second.
QUIET_FIRST = "quiet-before-continue-as-new"
# With nothing dispatched meanwhile, the children fall quiet once their running work reports.
QUIET_FOR = timedelta(seconds=1)
QUIET_AT_MOST = timedelta(minutes=1)


async def hand_over(
    book: OrderBook, effects: OrderEffects, change_lock: asyncio.Lock, run: int
) -> ResumedOrder | None:
    """What the next run gets, once this one is at a quiet moment: every command acknowledged,
    no handler running, its progress written, a second without reports; None when something
    came up meanwhile (the wait loop takes it and asks again later)."""

    def may_hand_over() -> bool:
        return (
            workflow.all_handlers_finished()
            and not change_lock.locked()
            and quiet(book)
            and not effects.sending
        )

    while True:
        await effects.drain()  # every child start, signal and close acknowledged
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and not change_lock.locked()
        )
        if not may_hand_over():
            return None
        if not (effects.unsaved or book.events):
            break
        await effects.persist()  # an await: look again after it
    if workflow.patched(QUIET_FIRST):
        await wait_for_quiet(book)
        # An amendment, a cancellation or information may have arrived meanwhile.
        if not may_hand_over() or effects.unsaved or book.events:
            return None
    return carry(book, effects.open_children(), run)


async def wait_for_quiet(book: OrderBook) -> None:
    """Until no report has arrived for QUIET_FOR (at most QUIET_AT_MOST: a child that reports
    without end does not hold the order); the reports are carried over."""
    give_up = workflow.now() + QUIET_AT_MOST
    while workflow.now() < give_up:
        seen = len(book.inbox)
        try:
            await workflow.wait_condition(
                lambda seen=seen: len(book.inbox) != seen,  # type: ignore[misc]
                timeout=QUIET_FOR,
                timeout_summary="a second without reports before continuing as new",
            )
        except TimeoutError:
            return


# Patch: a continued run takes up its wait loop in its second workflow task (histories of
# continued runs recorded before it carry no marker).
RESUME_IN_NEXT_TASK = "resume-in-next-task"


class CarriedMessage(BaseModel):
    """A report from a domain order not taken yet, as one of its kinds (a union of models with
    no tag of their own could come back as the wrong kind)."""

    finished: TaskFinished | None = None
    held: TaskHeld | None = None
    fallout: FalloutNotice | None = None
    reassigned: TaskReassigned | None = None

    @classmethod
    def of(cls, message: Message) -> CarriedMessage:
        if isinstance(message, TaskFinished):
            return cls(finished=message)
        if isinstance(message, TaskHeld):
            return cls(held=message)
        if isinstance(message, FalloutNotice):
            return cls(fallout=message)
        return cls(reassigned=message)

    def message(self) -> Message:
        found = self.finished or self.held or self.fallout or self.reassigned
        assert found is not None, "a carried message of no kind"
        return found


class ResumedOrder(BaseModel):
    """The order book beyond the order itself, as the next run needs it."""

    execution: PlanExecution
    jeopardy: Assessment | None = None
    cancelled_items: list[str] = Field(default_factory=list)
    ponr_overrides: dict[str, str] = Field(default_factory=dict)
    cancellation: CancelProductOrder | None = None
    fallout_count: int = 0
    hold_until_start: bool = False
    order_from_forecast: bool = False
    bundle_links_per_child: bool = False
    product_prices: dict[str, list[OrderPrice]] = Field(default_factory=dict)
    revision: int = 0  # the store's: each run's writes come after the last one's
    cancel_revision: int = 0
    open_children: list[str] = Field(default_factory=list)  # domain orders with a child open
    # Reports that arrived while the order handed over (a large order's never stop): taken first.
    inbox: list[CarriedMessage] = Field(default_factory=list)
    run: int = 2  # which run of the order this is: 2 for the first continued


def due(book: OrderBook, history_length: int) -> bool:
    """The history has reached the policy's threshold (the plan is running)."""
    return book.execution is not None and history_length >= book.policy.continue_as_new_after_events


def quiet(book: OrderBook) -> bool:
    """Nothing in the book that a run must finish itself: an amendment or a cancellation being
    assessed or under way, effects to undo. Reports waiting to be taken are carried over."""
    return not (
        book.assessing
        or book.undo_queue
        or book.retired
        or book.redo
        or book.cancellation_under_way()
    )


def carry(book: OrderBook, open_children: list[str], run: int) -> ResumedOrder:
    assert book.execution is not None and not book.events, "written before it is handed over"
    return ResumedOrder(
        execution=book.execution,
        jeopardy=book.jeopardy,
        cancelled_items=sorted(book.cancelled_items),
        ponr_overrides=book.ponr_overrides,
        cancellation=book.cancellation,
        fallout_count=book.fallout_count,
        hold_until_start=book.hold_until_start,
        order_from_forecast=book.order_from_forecast,
        bundle_links_per_child=book.bundle_links_per_child,
        product_prices=book.product_prices,
        revision=book.revision,
        cancel_revision=book.cancel_revision,
        open_children=open_children,
        inbox=[CarriedMessage.of(m) for m in book.inbox],
        run=run + 1,
    )


def restore(book: OrderBook, resumed: ResumedOrder) -> None:
    """The new run's book as the last run left it (the order is the workflow's input)."""
    book.events = []  # the book's "Order created" was the first run's
    book.execution = resumed.execution
    book.jeopardy = resumed.jeopardy
    book.cancelled_items = set(resumed.cancelled_items)
    book.ponr_overrides = dict(resumed.ponr_overrides)
    book.cancellation = resumed.cancellation
    book.fallout_count = resumed.fallout_count
    book.hold_until_start = resumed.hold_until_start
    book.order_from_forecast = resumed.order_from_forecast
    book.bundle_links_per_child = resumed.bundle_links_per_child
    book.product_prices = resumed.product_prices
    book.revision = resumed.revision
    book.cancel_revision = resumed.cancel_revision
    book.inbox = [m.message() for m in resumed.inbox]
