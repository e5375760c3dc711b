"""ProductOrderWorkflow: one durable workflow per TMF622 product order (`order-<id>`).

Order states (TMF622): acknowledged -> inProgress -> completed | partial | failed, or
acknowledged -> rejected, or -> assessingCancellation -> pendingCancellation -> cancelled. The
workflow tells the order's story: plan it, run the plan (dispatching ready tasks to the domain
orders' child workflows, acting on their reports, amendments and a cancellation), close it. What
the order knows and decides is in the order book (`book.py`, pure); the Temporal commands are in
`effects.py`. The store is the order's projection, written through `store.save_order`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from tmf.cancel_order import CancelProductOrder, CancelState
    from tmf.product_order import OrderState, ProductOrder
    from workflows.messages import (
        AmendOrder,
        CancelOrder,
        FalloutNotice,
        OverridePointOfNoReturn,
        ProvideInformation,
        ReviewDecision,
        TaskFinished,
        TaskHeld,
        TaskReassigned,
        TasksFinished,
    )
    from workflows.order import (
        amendment,
        cancellation,
        continuation,
        information,
        review,
        review_gate,
        validation,
    )
    from workflows.order.book import OrderBook
    from workflows.order.continuation import ResumedOrder
    from workflows.order.effects import OrderEffects
    from workflows.plan_view import OrderPlanView, order_plan_view
    from workflows.policy import OrderPolicy


class ProductOrderInput(BaseModel):
    order: ProductOrder
    policy: OrderPolicy = Field(default_factory=OrderPolicy)
    # Set when the order continued as new: the book as the last run left it (continuation.py).
    resumed: ResumedOrder | None = None


class ProductOrderResult(BaseModel):
    order_id: str
    state: OrderState


# Patch: run() waits for every handler; a handler that waited while the order closed refuses.
WAIT_FOR_HANDLERS = "wait-for-handlers-before-closing"
# Patch: an order waits for its review (approval, suspected duplicate) before it is fulfilled.
# Asked only when the order has one to wait for, so other orders' histories carry no marker.
REVIEW_GATE = "review-before-fulfilment"


def _refuse_with(check: Callable[[], None]) -> None:
    """Validators refuse before history: the book's refusal becomes the caller's error."""
    try:
        check()
    except validation.Refusal as refusal:
        raise ApplicationError(str(refusal), type=refusal.kind) from None


@workflow.defn(name="ProductOrder")
class ProductOrderWorkflow:
    @workflow.init
    def __init__(self, input: ProductOrderInput) -> None:
        # Set here, not in run(): queries and updates may arrive before run() starts.
        self.book = OrderBook(
            input.order, input.policy, lambda: str(workflow.uuid4()), workflow.now(), copy=False
        )
        if input.resumed is not None:
            continuation.restore(self.book, input.resumed)
        self.effects = OrderEffects(self.book)
        # Amendments and the cancellation change the plan one at a time.
        self._change_lock = asyncio.Lock()
        self._run_number = 1  # of this order's workflow runs (continued as new after the first)

    @workflow.run
    async def run(self, input: ProductOrderInput) -> ProductOrderResult:
        book, effects = self.book, self.effects
        if input.resumed is not None:  # continued as new: back into the wait loop
            effects.resume(input.resumed.open_children)
            self._run_number = input.resumed.run
            # The first activation decoded the whole book (~1 s of CPU at 1,000 items): the
            # loop's work goes in the next, so neither passes the SDK's 2 s deadlock detector.
            if workflow.patched(continuation.RESUME_IN_NEXT_TASK):
                await workflow.sleep(timedelta(milliseconds=1))
            return await self._close(await self._run_plan())
        # A suspected duplicate, held at capture, waits for an agent before anything else.
        if book.order.open_review() is not None and workflow.patched(REVIEW_GATE):
            await effects.move_to(review.held_at_capture(book, workflow.now()))
            if not await review_gate.wait_for_review(book, effects):
                return await self._result()
        planned = await effects.plan(book.order)
        if planned.problems or planned.plan is None:
            book.reject(planned.problems, workflow.now())
            await effects.move_to(OrderState.REJECTED)
            return await self._result()
        plan, pricing = planned.plan, planned.pricing
        # Planned and priced, nothing dispatched: an order its approval rules match waits.
        approval = review.approval_review(planned.approvals, workflow.now())
        if approval is not None and workflow.patched(REVIEW_GATE):
            book.review_plan = (plan, pricing)
            await effects.move_to(review.start_wait(book, approval, workflow.now()))
            if not await review_gate.wait_for_review(book, effects):
                return await self._result()
            plan, pricing = book.review_plan  # an amendment may have planned it again

        book.hold_until_start = workflow.patched("hold-until-requested-start")
        book.bundle_links_per_child = workflow.patched("bundle-links-per-child")
        book.start(plan, pricing, workflow.now())
        effects.go_large()
        # Written with the first dispatch (issue 24: one store write, not two).
        await effects.move_to(OrderState.IN_PROGRESS, persist=not effects.fewer_events())

        return await self._close(await self._run_plan())

    async def _close(self, cancelled: bool) -> ProductOrderResult:
        """The plan ran to its end (or the order was cancelled): the final state, the children
        closed."""
        book, effects = self.book, self.effects
        if not cancelled:
            effects.clear_jeopardy(book.complete(workflow.now()))
            await effects.move_to(book.final_state())
        await effects.close_children()
        return await self._result()

    async def _result(self) -> ProductOrderResult:
        # An update still running when the order closed answers before the workflow ends. Behind
        # a patch: a closed order's history is replayed to answer a query, and one that ended
        # with an update still running must replay as it ran.
        if workflow.patched(WAIT_FOR_HANDLERS):
            await workflow.wait_condition(workflow.all_handlers_finished)
        return ProductOrderResult(order_id=self.book.order.id, state=self.book.order.state)

    def _refuse_if_closed(self) -> None:
        """An update that waited while the order closed changes nothing (patched like the wait
        for handlers: before it, such an update went on against the closed order)."""
        if workflow.patched(WAIT_FOR_HANDLERS):
            _refuse_with(lambda: validation.require_open(self.book))

    # -- the review gate -----------------------------------------------------------------------

    @workflow.update(name="review_order")
    async def review_order(self, decision: ReviewDecision) -> ProductOrder:
        """An approver approves or rejects the order; an agent releases a suspected duplicate."""
        async with self._change_lock:  # an amendment re-evaluating the approval goes first
            self._refuse_if_closed()
            _refuse_with(lambda: review.check_decision(self.book.order, decision))
            review.record_decision(self.book, decision, workflow.now())
            await self.effects.persist()
            return self.book.order

    @review_order.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        _refuse_with(lambda: validation.require_open(self.book))
        _refuse_with(lambda: review.check_decision(self.book.order, decision))

    async def _amend_waiting(self, request: AmendOrder) -> ProductOrder:
        """An amendment while the order waits for its review: re-planned, and its approval rules
        decided again on the amended order (which may end the wait)."""
        book = self.book
        amended = book.amended(request.patch)
        version = book.review_plan[0].catalog_version if book.review_plan else None
        planned = await self.effects.replan(amended, version)
        assert planned.plan is not None
        self._refuse_if_closed()
        now = workflow.now()
        review.amend_waiting(
            book, request, amended, planned.approvals, planned.plan, planned.pricing, now
        )
        await self.effects.persist()
        return book.order

    # -- the wait loop ------------------------------------------------------------------------

    async def _run_plan(self) -> bool:
        """Run the plan to its end; True when the order was cancelled instead."""
        book, effects = self.book, self.effects
        while True:
            if book.cancel_due(workflow.now()) and await self._try_to_cancel():
                return True
            before = book.progress()
            await effects.dispatch(book.dispatch(workflow.now()))
            book.refresh_items(workflow.now())
            # Tasks just started: their jeopardy thresholds become the next timers.
            effects.assess_jeopardy()
            # e.g. an item just passed its point of no return. Not when the plan has run to its
            # end: closing the order writes it next (issue 24: one store write, not two).
            if (book.progress() != before or effects.unsaved) and not (
                book.is_done() and effects.fewer_events()
            ):
                await effects.persist_progress()
            if book.is_done():
                return False
            if not effects.large:  # a large order's details go with its store writes
                effects.show_details()
            try:
                await workflow.wait_condition(
                    lambda: book.should_wake(workflow.now()),
                    timeout=effects.wait_timeout(book.until_next_check(workflow.now())),
                    timeout_summary="jeopardy threshold or cancellation date",
                )
            except TimeoutError:
                pass  # a jeopardy threshold or the cancellation date: handled below
            book.plan_changed = False
            before = book.progress()
            book.take_messages(workflow.now())
            book.refresh_items(workflow.now())
            effects.count_fallout()
            effects.assess_jeopardy()
            # Not when the plan has run to its end and nothing is to be undone: closing the order
            # writes it next (issue 24).
            progressed = book.progress() != before or (effects.large and effects.unsaved)
            if progressed and not effects.closing_next():
                await effects.persist_progress()
            await effects.undo_failed_items()
            await effects.undo_queued()
            await effects.close_finished()
            if continuation.due(book, workflow.info().get_current_history_length()):
                await self._continue_as_new()

    async def _continue_as_new(self) -> None:
        """Hand the order to a new run at a quiet moment (continuation.py); until one comes, the
        loop goes on and asks again."""
        if not workflow.patched(continuation.CONTINUE_AS_NEW):
            return  # an order started before: it runs to its end in one history, as it did
        book = self.book
        resumed = await continuation.hand_over(
            book, self.effects, self._change_lock, self._run_number
        )
        if resumed is not None:
            workflow.continue_as_new(
                ProductOrderInput(order=book.order, policy=book.policy, resumed=resumed)
            )

    # -- reports from the domain orders ----------------------------------------------------------

    @workflow.signal(name="task_finished")
    def task_finished(self, outcome: TaskFinished) -> None:
        self.book.inbox.append(outcome)

    @workflow.signal(name="tasks_finished")
    def tasks_finished(self, batch: TasksFinished) -> None:
        """The tasks a domain order ended in one workflow task (issue 24)."""
        self.book.inbox.extend(batch.outcomes)

    @workflow.signal(name="task_held")
    def task_held(self, notice: TaskHeld) -> None:
        self.book.inbox.append(notice)

    @workflow.signal(name="fallout_changed")
    def fallout_changed(self, notice: FalloutNotice) -> None:
        self.book.inbox.append(notice)

    @workflow.signal(name="task_reassigned")
    def task_reassigned(self, notice: TaskReassigned) -> None:
        self.book.inbox.append(notice)

    @workflow.query(name="get_order")
    def get_order(self) -> ProductOrder:
        return self.book.order

    @workflow.query(name="get_plan")
    def get_plan(self) -> OrderPlanView:
        """The plan with live task states: what /ops/v1/orders/{id}/plan and /timeline show."""
        return order_plan_view(self.book.order.id, self.book.order.state, self.book.execution)

    # -- staggered information ----------------------------------------------------------------

    @workflow.update(name="provide_information")
    async def provide_information(self, info: ProvideInformation) -> ProductOrder:
        """Characteristics an item's decomposition waited for: plan only what was deferred."""
        informed = information.with_information(self.book, info)
        extended = await self.effects.extend_plan(informed, self.book.plan.plan)
        assert extended.plan is not None
        # The order may have been cancelled meanwhile: `run()` waits for this handler.
        self._refuse_if_closed()
        information.add(self.book, info, informed, extended.plan, workflow.now())
        await self.effects.persist()
        return self.book.order

    @provide_information.validator
    def _validate_information(self, info: ProvideInformation) -> None:
        _refuse_with(lambda: validation.check_information(self.book, info))

    # -- amendments -------------------------------------------------------------------------

    @workflow.update(name="amend_order")
    async def amend_order(self, request: AmendOrder) -> ProductOrder:
        """PATCH in flight: re-plan, then discard, undo, redo or add task by task."""
        async with self._change_lock:
            # A cancellation that held the lock may have closed the order meanwhile.
            self._refuse_if_closed()
            self.book.assessing = True
            try:
                if self.book.execution is None:  # waiting for its review: nothing ran yet
                    return await self._amend_waiting(request)
                return await self._amend(request)
            finally:
                self.book.assessing = False
                self.book.plan_changed = True

    @amend_order.validator
    def _validate_amendment(self, request: AmendOrder) -> None:
        locked = self._change_lock.locked()  # another amendment (or the cancellation) under way
        _refuse_with(lambda: validation.check_amendment(self.book, request, workflow.now(), locked))

    async def _amend(self, request: AmendOrder) -> ProductOrder:
        book, effects = self.book, self.effects
        amended = book.amended(request.patch)
        planned = await effects.replan(amended, book.order.catalog_version)
        assert planned.plan is not None
        old_plan = book.plan.plan
        steps = amendment.amendment_steps(book.plan, planned.plan)
        for task_id in steps.undo_now:  # latest first
            await effects.undo(old_plan.task(task_id), book.plan.runs[task_id])
        book.retire(steps.delta.retire_when_done)
        await effects.withdraw(old_plan, steps.withdrawn)
        for task_id in steps.reworked:
            notice = amendment.rework_notice(planned.plan, task_id, book.order.version + 1)
            await effects.rework(planned.plan.task(task_id).domain_order_id, notice)
        now = workflow.now()
        amendment.apply(book, request, amended, planned.plan, planned.pricing, steps, now)
        await effects.persist()
        return book.order

    @workflow.update(name="override_point_of_no_return")
    async def override_point_of_no_return(self, request: OverridePointOfNoReturn) -> ProductOrder:
        self.book.override_point_of_no_return(request, workflow.now())
        await self.effects.persist()
        return self.book.order

    @override_point_of_no_return.validator
    def _validate_override(self, request: OverridePointOfNoReturn) -> None:
        _refuse_with(lambda: validation.check_override(self.book, request))

    # -- cancellation -------------------------------------------------------------------------

    @workflow.update(name="cancel_order")
    async def cancel_order(self, request: CancelOrder) -> CancelProductOrder:
        """Recorded now; assessed by the wait loop when its requested date comes."""
        self.book.request_cancellation(
            request.cancellation, workflow.now(), request.actor, request.actor_role
        )
        await self.effects.save_cancellation()
        self.book.plan_changed = True
        assert self.book.cancellation is not None
        return self.book.cancellation

    @cancel_order.validator
    def _validate_cancellation(self, request: CancelOrder) -> None:
        _refuse_with(lambda: validation.check_cancellation(self.book))

    async def _try_to_cancel(self) -> bool:
        """Assess the cancellation: denied past a point of no return, else undo everything."""
        book, effects = self.book, self.effects
        request = book.cancellation
        assert request is not None
        async with self._change_lock:
            book.assessing = True
            previous = book.order.state
            request.state = CancelState.IN_PROGRESS
            await effects.move_to(OrderState.ASSESSING_CANCELLATION)
            await effects.save_cancellation()
            blocked = cancellation.blocking(
                book.order, book.cancelled_items, book.plan, book.ponr_overrides
            )
            if blocked:
                cancellation.deny(request, blocked)
                book.assessing = False
                await effects.move_to(previous)
                await effects.save_cancellation()
                return False
            await effects.move_to(OrderState.PENDING_CANCELLATION)
            await effects.stop_active_tasks()
            await effects.undo_everything()
            now = workflow.now()
            cancellation.done(book.order, request, now)
            effects.clear_jeopardy(book.clear_jeopardy(now))
            await effects.move_to(OrderState.CANCELLED)
            await effects.save_cancellation()
            book.assessing = False
            return True
