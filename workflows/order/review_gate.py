"""The review gate: the workflow's wait for an order's review (an approval, a suspected
duplicate) before anything of it is fulfilled. What the wait decides is in `review.py` (pure);
the commands go through `effects.py`, in the order the recorded histories hold."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from tmf.product_order import OrderState
    from workflows.order import review
    from workflows.order.book import OrderBook
    from workflows.order.effects import OrderEffects


async def wait_for_review(book: OrderBook, effects: OrderEffects) -> bool:
    """Wait until the order's review is decided, its jeopardy rising with the wait; False when
    it ended the order (rejected, or cancelled meanwhile)."""
    effects.show_jeopardy(review.assess(book, workflow.now()))
    while True:
        try:
            await workflow.wait_condition(
                lambda: (
                    not book.assessing
                    and (review.decided(book) is not None or book.cancel_due(workflow.now()))
                ),
                timeout=review.until_next_check(book, workflow.now()),
                timeout_summary="review jeopardy threshold or cancellation date",
            )
        except TimeoutError:
            pass  # a jeopardy threshold or the cancellation date: handled below
        now = workflow.now()
        if book.cancel_due(now):
            review.cancel_waiting(book, now)
            effects.clear_jeopardy(book.clear_jeopardy(now))
            await effects.move_to(OrderState.CANCELLED)
            await effects.save_cancellation()
            return False
        decision = review.decided(book)
        if decision is None:
            if (level := review.assess(book, now)) is not None:
                effects.show_jeopardy(level)
                await effects.persist()
            continue
        effects.clear_jeopardy(book.clear_jeopardy(now))
        book.review_next_check = None
        if decision == review.Decision.REJECTED:
            review.reject(book, now)
            await effects.move_to(OrderState.REJECTED)
            return False
        return True  # the decision is in the store already (the handler wrote it)
