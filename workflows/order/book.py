"""The order book: everything one product order knows, and what must happen next. Pure.

The workflow hands it messages and the time; it answers with what to do: tasks to dispatch, work
to withdraw, effects to undo, the order's final state. It never calls Temporal and does no I/O,
so the rules of an order are tested in milliseconds (tests/workflows/test_order_book.py). The
Temporal commands are issued by `effects.py`, in the order `workflow.py` tells the story.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from decomposition.plan import DomainOrder, Plan, PlanTask
from decomposition.pricing import OrderPricing
from decomposition.problems import Problem
from tmf.cancel_order import CancelProductOrder, CancelState
from tmf.common import OrderPrice
from tmf.events import EventType, OrderEvent
from tmf.product_order import ItemState, OrderErrorMessage, OrderState, ProductOrder
from workflows.jeopardy import Assessment
from workflows.messages import (
    FalloutNotice,
    OverridePointOfNoReturn,
    RunTask,
    TaskFinished,
    TaskHeld,
    TaskReassigned,
)
from workflows.order import amendment, children, information, items, progress, risk
from workflows.order.assetization import prepared, wait_until
from workflows.plan_execution import PlanExecution, TaskRun
from workflows.policy import OrderPolicy
from workflows.start_gate import until_start

Message = TaskFinished | TaskHeld | FalloutNotice | TaskReassigned
Undo = tuple[PlanTask, TaskRun]  # a completed run whose effect is to be undone


class OrderBook:
    def __init__(
        self,
        order: ProductOrder,
        policy: OrderPolicy,
        new_id: Callable[[], str],
        now: datetime,
        copy: bool = True,
    ) -> None:
        # The workflow's own input is the book's to change (issue 24: copying 1,000 items took
        # 0.2 s of the first workflow task, which a replay repeats).
        self.order = order.model_copy(deep=True) if copy else order
        self.policy = policy
        self._new_id = new_id  # event ids: the workflow's deterministic uuid4
        self.execution: PlanExecution | None = None
        self.jeopardy: Assessment | None = None
        # While an amendment or cancellation is assessed, nothing is dispatched and jeopardy
        # waits (it would be stale).
        self.assessing = False
        self.plan_changed = False  # wakes the wait loop
        # Tasks an amendment removed or changed while they ran: undone (and redone) once finished.
        self.retired: dict[str, Undo] = {}
        self.redo: set[str] = set()
        self.undo_queue: list[Undo] = []
        self.cancelled_items: set[str] = set()
        self.ponr_overrides: dict[str, str] = {}  # item id -> who lifted its soft PONR
        self.cancellation: CancelProductOrder | None = None
        self.inbox: list[Message] = []
        self.fallout_count = 0
        # Issue 26, each set from its workflow.patched() so recorded histories replay as before.
        self.hold_until_start = False  # nothing before the requested start date
        self.order_from_forecast = False  # the order's jeopardy from its forecast only
        # Issue 20: a bundle item linked to its children by `bundles` relationships is not
        # itself changed when a PATCH adds or removes one child (its children are).
        self.bundle_links_per_child = False
        self.product_prices: dict[str, list[OrderPrice]] = {}  # by product key, for inventory
        # While the order waits for a review (workflows/order/review.py): the plan it starts
        # once approved (an amendment re-plans it), and when the wait's jeopardy changes next.
        self.review_plan: tuple[Plan, OrderPricing | None] | None = None
        self.review_next_check: datetime | None = None
        # Events since the last store write; written with the next snapshot (the outbox).
        self.events: list[OrderEvent] = []
        # A large order's open children and room for new ones (children.py); None: no limit.
        self.child_slots: Callable[[], tuple[set[str], int]] | None = None
        self._domain_orders: tuple[Plan, dict[str, DomainOrder]] | None = None
        self.revision = 0
        self.cancel_revision = 0
        self.emit(now, EventType.ORDER_CREATE, "Order created")

    @property
    def plan(self) -> PlanExecution:
        assert self.execution is not None, "the order is not planned yet"
        return self.execution

    # -- events and state ---------------------------------------------------------------------

    def emit(
        self,
        now: datetime,
        event_type: EventType,
        title: str,
        actor: str | None = None,
        reason: str | None = None,
        actor_role: str | None = None,
        **detail: object,
    ) -> None:
        if actor_role is not None:  # the token's role; in the event's detail (no new column)
            detail["actorRole"] = actor_role
        self.events.append(
            OrderEvent(
                event_id=self._new_id(),
                event_type=event_type,
                event_time=now,
                title=title,
                actor=actor,
                reason=reason,
                priority=self.order.priority,
                detail=detail,
            )
        )

    def move_to(self, state: OrderState, now: datetime) -> None:
        if state != self.order.state:
            self.emit(
                now,
                EventType.ORDER_STATE_CHANGE,
                f"Order {state.value}",
                fromState=self.order.state.value,
                toState=state.value,
            )
        self.order.state = state

    def take_events(self) -> tuple[int, list[OrderEvent]]:
        """The next store revision and the events it carries."""
        self.revision += 1
        events, self.events = self.events, []
        return self.revision, events

    def progress(self) -> tuple[object, int]:
        """What GET shows of the items, and the events so far: a change is worth a store write."""
        return items.snapshot(self.order), len(self.events)

    # -- planning -----------------------------------------------------------------------------

    def reject(self, problems: list[Problem], now: datetime) -> None:
        self.order.error_message = [
            OrderErrorMessage(
                code=p.code, reason=p.reason, productOrderItem=[p.item_id] if p.item_id else None
            )
            for p in problems
        ]
        for item in self.order.all_items():  # a bundle's nested items too
            item.state = ItemState.REJECTED
        self.order.completion_date = now

    def start(self, plan: Plan, pricing: OrderPricing | None, now: datetime) -> None:
        self.order.catalog_version = plan.catalog_version
        if pricing is not None:
            self.order.order_total_price = pricing.order_total_price
            self.product_prices = pricing.product_price
            for item in self.order.all_items():
                item.item_price = pricing.item_price.get(item.id)
        self.execution = PlanExecution.start(plan, now)
        self.refresh_items(now)
        information.ask_for_missing(self, now)

    def refresh_items(self, now: datetime) -> None:
        changed = items.refresh(self.order, self.plan, self.cancelled_items)
        if changed:
            self.emit(
                now, EventType.ORDER_STATE_CHANGE, "Item state changed", productOrderItem=changed
            )

    # -- dispatch and messages ----------------------------------------------------------------

    def dispatch(self, now: datetime) -> dict[str, list[RunTask]]:
        """The ready tasks, marked running, grouped by domain order in plan order (never set
        order: commands must come out the same on every replay). Nothing while assessing."""
        # Nothing before the requested start date, for a plan with no wait task (issue 26).
        tasks = [] if self.until_start(now) else self.plan.ready()
        if not tasks or self.assessing:
            return {}
        if self.child_slots is not None:
            tasks = children.within_slots(tasks, *self.child_slots())
        batches: dict[str, list[RunTask]] = {}
        for task in tasks:
            run = self.plan.mark_running(task.id, now)
            batches.setdefault(task.domain_order_id, []).append(
                RunTask(
                    task=prepared(self.order, self.plan.plan, task, self.plan, self.product_prices),
                    idempotency_key=f"{self.order.id}/{task.id}/{run.run}",
                    wait_until=wait_until(self.order, self.plan, task),
                )
            )
        return batches

    def domain_order(self, domain_order_id: str) -> DomainOrder:
        plan = self.plan.plan  # indexed once per plan: a large order starts thousands of children
        if self._domain_orders is None or self._domain_orders[0] is not plan:
            found: dict[str, DomainOrder] = {}
            for d in plan.domain_orders:
                found.setdefault(d.id, d)
            self._domain_orders = (plan, found)
        return self._domain_orders[1][domain_order_id]

    def should_wake(self, now: datetime) -> bool:
        """Something to act on, and no amendment or cancellation being assessed."""
        return (
            bool(self.inbox) or self.plan_changed or self.cancel_due(now)
        ) and not self.assessing

    def take_messages(self, now: datetime) -> None:
        while self.inbox:
            progress.handle(self, self.inbox.pop(0), now)

    def count_fallout(self) -> int | None:
        """The new number of tasks in fallout, if it changed (for the FalloutCount attribute)."""
        count = self.plan.fallout_count()
        if count == self.fallout_count:
            return None
        self.fallout_count = count
        return count

    def failed_items(self) -> list[str]:
        return [i.id for i in self.order.product_order_item if i.state == ItemState.FAILED]

    def next_undo(self) -> Undo | None:
        return self.undo_queue.pop(0) if self.undo_queue else None

    def is_done(self) -> bool:
        """Nothing runs, nothing more can start, nothing waits for information or an undo."""
        return self.plan.is_settled() and not self.plan.plan.deferred and not self.retired

    def final_state(self) -> OrderState:
        return items.final_state(self.order, self.cancelled_items)

    def complete(self, now: datetime) -> bool:
        """The plan ran to its end; True when the Jeopardy attribute must be reset."""
        self.order.completion_date = now
        return self.clear_jeopardy(now)

    # -- jeopardy -------------------------------------------------------------------------------

    def assess_jeopardy(self, now: datetime) -> str | None:
        """Assess the order; the Jeopardy level to write to the search attribute, if any."""
        if self.assessing:
            return None
        return risk.assess_order(self, now)

    def clear_jeopardy(self, now: datetime) -> bool:
        """A closed order is at risk of nothing; True when the search attribute must be reset."""
        return risk.clear(self, now)

    def until_start(self, now: datetime) -> timedelta | None:
        if not self.hold_until_start or self.execution is None:
            return None
        return until_start(self.order.requested_start_date, self.execution.plan, now)

    def until_next_check(self, now: datetime) -> timedelta | None:
        """The next jeopardy threshold, the requested start or cancellation date, whichever
        first."""
        waits: list[timedelta] = []
        if (start := self.until_start(now)) is not None:
            waits.append(start)
        if (
            self.jeopardy is not None
            and self.jeopardy.next_check is not None
            and not self.assessing
        ):
            waits.append(max(self.jeopardy.next_check - now, timedelta(milliseconds=1)))
        pending = self.cancellation
        if pending is not None and pending.state == CancelState.ACKNOWLEDGED:
            if pending.requested_cancellation_date is not None:
                left = pending.requested_cancellation_date - now
                waits.append(max(left, timedelta(milliseconds=1)))
        return min(waits) if waits else None

    # -- amendments -----------------------------------------------------------------------------

    def amended(self, patch: dict[str, object]) -> ProductOrder:
        return amendment.amended_order(self.order, self.cancelled_items, patch)

    def affected_items(self, amended: ProductOrder) -> list[str]:
        return amendment.affected_items(
            self.order, self.cancelled_items, amended, self.bundle_links_per_child
        )

    def retire(self, task_ids: list[str]) -> None:
        """Running and no longer wanted: undone once they finish."""
        for task_id in task_ids:
            self.retired[task_id] = (self.plan.plan.task(task_id), self.plan.runs[task_id])

    def override_point_of_no_return(self, request: OverridePointOfNoReturn, now: datetime) -> None:
        self.ponr_overrides[request.item_id] = request.actor
        self.emit(
            now,
            EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
            f"Point of no return of item {request.item_id} overridden",
            actor=request.actor,
            actor_role=request.actor_role,
            reason=request.reason,
            itemId=request.item_id,
        )

    # -- cancellation ---------------------------------------------------------------------------

    def cancellation_under_way(self) -> bool:
        return self.cancellation is not None and self.cancellation.state in {
            CancelState.ACKNOWLEDGED,
            CancelState.IN_PROGRESS,
        }

    def cancel_due(self, now: datetime) -> bool:
        pending = self.cancellation
        if pending is None or pending.state != CancelState.ACKNOWLEDGED:
            return False
        when = pending.requested_cancellation_date
        return when is None or when <= now

    def request_cancellation(
        self,
        cancellation: CancelProductOrder,
        now: datetime,
        actor: str | None = None,
        actor_role: str | None = None,
    ) -> None:
        self.cancellation = cancellation.model_copy(deep=True)
        self.emit(
            now,
            EventType.CANCEL_CREATE,
            "Cancellation requested",
            actor=actor,
            actor_role=actor_role,
            reason=self.cancellation.cancellation_reason,
            cancelProductOrderId=self.cancellation.id,
        )
