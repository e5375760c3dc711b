"""Every Temporal command the order issues: activities, local activities, children, signals,
search attributes. The only module of the order that does; the rest decides (`book.py` and the
decision modules). Activities are named by their functions, so a renamed activity is a type
error, not a task that no worker polls for. The order of commands is the recorded histories':
change it only behind `workflow.patched`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import (
    RetryPolicy,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ChildWorkflowHandle as ChildHandle
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.order_planning import (
        ExtendPlanInput,
        PlanOrderInput,
        PlanOrderResult,
        extend_order_plan,
        plan_order,
    )
    from activities.order_store import (
        SaveCancellationInput,
        SaveOrderInput,
        save_cancellation,
        save_order,
    )
    from activities.southbound.contract import SouthboundRequest, SouthboundResult
    from decomposition.plan import Plan, PlanTask
    from tmf.product_order import ItemState, OrderState, ProductOrder
    from workflows import search_attributes as sa
    from workflows.domain_order import DomainOrderWorkflow
    from workflows.messages import (
        CancelTasks,
        DomainOrderInput,
        RunTask,
        RunTasks,
        UpdateTaskData,
    )
    from workflows.order import cancellation, instant, progress
    from workflows.order.assetization import wait_until
    from workflows.order.book import OrderBook
    from workflows.order.large_effects import Handle, LargeOrderEffects
    from workflows.order.naming import child_workflow_id
    from workflows.plan_execution import TaskRun
    from workflows.ui_text import (
        activity_summary,
        domain_order_details,
        domain_order_summary,
        order_current_details,
    )

# Short: a write takes milliseconds, and a worker that died mid-write is retried sooner.
STORE_TIMEOUT = timedelta(seconds=10)
PLANNING_TIMEOUT = timedelta(seconds=30)
# Undoing must eventually happen: retried without limit, backing off to a minute.
COMPENSATION_TIMEOUT = timedelta(seconds=30)
COMPENSATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=60)
)
# Store writes must eventually land; a database outage only delays them.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)

# Patch (issue 24): fewer history events per order. Search attributes are written only when their
# value changes; tasks with nothing to do (milestones, waits already over) are finished by the
# order at dispatch, not sent to their domain order and reported back.
FEWER_EVENTS = "fewer-events-per-order"


class OrderEffects(LargeOrderEffects):
    def __init__(self, book: OrderBook) -> None:
        self.book = book
        self.children: dict[str, Handle] = {}
        self.unsaved = False  # a change the next store write carries (issue 24)
        self.init_large()

    def fewer_events(self) -> bool:
        """Whether this run takes issue 24's paths (False when replaying an older history)."""
        return workflow.patched(FEWER_EVENTS)

    # -- planning -----------------------------------------------------------------------------

    async def plan(self, order: ProductOrder) -> PlanOrderResult:
        return await workflow.execute_activity(
            plan_order, PlanOrderInput(order=order), start_to_close_timeout=PLANNING_TIMEOUT
        )

    async def replan(self, order: ProductOrder, catalog_version: str | None) -> PlanOrderResult:
        """Decompose the amended order; its problems refuse the amendment (type Invalid)."""
        result = await workflow.execute_activity(
            plan_order,
            PlanOrderInput(order=order, catalog_version=catalog_version),
            start_to_close_timeout=PLANNING_TIMEOUT,
        )
        return _plannable(result)

    async def extend_plan(self, order: ProductOrder, plan: Plan) -> PlanOrderResult:
        """Plan what was deferred; its problems refuse the information (type Invalid)."""
        result = await workflow.execute_activity(
            extend_order_plan,
            ExtendPlanInput(order=order, plan=plan),
            start_to_close_timeout=PLANNING_TIMEOUT,
        )
        return _plannable(result)

    # -- domain orders --------------------------------------------------------------------------

    async def dispatch(self, batches: dict[str, list[RunTask]]) -> None:
        """A new child gets its tasks in its start, a running one in one signal: each message to
        a child costs workflow tasks on both sides."""
        if batches and self.fewer_events():
            batches = self._finish_instant_tasks(batches)
        if not batches:
            return
        if self.large:
            return self._dispatch_large(batches)
        await asyncio.gather(
            *(
                self.children[d].signal(DomainOrderWorkflow.run_tasks, RunTasks(tasks=batch))
                if d in self.children
                else self._start_child(d, batch)
                for d, batch in batches.items()
            )
        )

    def _finish_instant_tasks(self, batches: dict[str, list[RunTask]]) -> dict[str, list[RunTask]]:
        """Finish the batches' milestones and waits already over here, and dispatch what they
        make ready in turn; the batches left for the domain orders."""
        now = workflow.now()
        left: dict[str, list[RunTask]] = {}
        while batches:
            remaining, finished = instant.split(batches, now)
            for domain_order_id, batch in remaining.items():
                left.setdefault(domain_order_id, []).extend(batch)
            for outcome in finished:
                progress.handle(self.book, outcome, now)
            self.reserved = set(left)  # children about to start: no room counted twice
            batches = self.book.dispatch(now) if finished else {}
        self.reserved = set()
        return left

    async def _start_child(self, domain_order_id: str, tasks: list[RunTask]) -> None:
        order_id = self.book.order.id
        domain_order = self.book.domain_order(domain_order_id)
        self.children[domain_order.id] = await workflow.start_child_workflow(
            DomainOrderWorkflow.run,
            DomainOrderInput(
                order_id=order_id,
                parent_workflow_id=workflow.info().workflow_id,
                domain_order=domain_order,
                policy=self.book.policy,
                tasks=tasks,
                protocol=2 if self.fewer_events() else 1,
            ),
            id=child_workflow_id(order_id, domain_order.id),
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.ORDER_ID, order_id),
                    SearchAttributePair(sa.DOMAIN, domain_order.domain.value),
                ]
            ),
            memo={"item": domain_order.item_id, "specification": domain_order.spec_id},
            static_summary=domain_order_summary(domain_order),
            static_details=domain_order_details(order_id, domain_order),
            # The parent closes its children itself, so they end Completed, never Terminated.
            # (Not by REQUEST_CANCEL: the time-skipping test server does not apply that policy,
            # and its time skipping then hangs: tried in issue 24, bench/README.md.)
            parent_close_policy=ParentClosePolicy.ABANDON,
        )

    async def withdraw(self, plan: Plan, task_ids: list[str]) -> None:
        """Ask the domain orders running these tasks to stop them."""
        if self.large:  # a child may still be starting
            await self.drain()
        by_child: dict[str, list[str]] = {}
        for task_id in task_ids:
            by_child.setdefault(plan.task(task_id).domain_order_id, []).append(task_id)
        for domain_order_id, ids in by_child.items():
            await self.children[domain_order_id].signal(
                DomainOrderWorkflow.cancel_tasks, CancelTasks(task_ids=ids)
            )

    async def rework(self, domain_order_id: str, notice: UpdateTaskData) -> None:
        """An open manual job keeps its worker, who gets the amended data with a note."""
        if self.large:
            await self.drain()
        await self.children[domain_order_id].signal(DomainOrderWorkflow.update_task_data, notice)

    async def close_children(self) -> None:
        # Every task has reported back: the children are idle. All signals in one workflow task.
        if self.large:
            return await self._close_all()
        await asyncio.gather(
            *(handle.signal(DomainOrderWorkflow.close) for handle in self.children.values())
        )
        # A run continued as new is large (`resume`): here, every child is this run's own.
        await asyncio.gather(*(h for h in self.children.values() if isinstance(h, ChildHandle)))

    async def undo_failed_items(self) -> None:
        """Undo, latest first, what a failed item had done; tasks still running when the item
        failed are undone once they finish."""
        for item in self.book.order.product_order_item:
            if item.state != ItemState.FAILED:
                continue
            for task in self.book.plan.to_compensate(item.id):
                await self.undo(task, self.book.plan.runs[task.id])

    async def undo_queued(self) -> None:
        while (undo := self.book.next_undo()) is not None:
            await self.undo(*undo)

    async def undo_everything(self) -> None:
        """A cancellation goes ahead: every completed task, latest first, then the tasks an
        amendment removed while they ran, then what was queued."""
        plan = self.book.plan
        for task_id in cancellation.to_undo(plan):
            await self.undo(plan.plan.task(task_id), plan.runs[task_id])
        for task, run in list(self.book.retired.values()):
            await self.undo(task, run)
        await self.undo_queued()

    async def stop_active_tasks(self) -> None:
        """Withdraw running work and wait until every domain order has let go of it."""
        book = self.book
        withdrawn: set[str] = set()
        while True:
            stoppable = cancellation.to_withdraw(book.plan, withdrawn)
            await self.withdraw(book.plan.plan, stoppable)
            withdrawn.update(stoppable)
            if cancellation.released(book.plan, len(book.retired)):
                return
            await workflow.wait_condition(lambda: bool(book.inbox))
            book.take_messages(workflow.now())

    async def undo(self, task: PlanTask, run: TaskRun) -> None:
        """Run the catalog's compensating task for one completed task run, once."""
        if task.compensation is None or run.compensated:
            run.compensated = True
            return
        effect = f"{self.book.order.id}/{task.id}/{run.run}"
        run.undo_start = workflow.now()
        await workflow.execute_activity(
            task.compensation.activity,  # a catalog name: no function to name it by
            SouthboundRequest(
                idempotency_key=f"{effect}/undo",
                order_id=self.book.order.id,
                item_id=task.item_id,
                task_id=task.id,
                params=task.params,
                compensates=effect,
            ),
            result_type=SouthboundResult,
            activity_id=f"{task.id}#{run.run}~undo",
            summary=activity_summary(task, f"undo {task.compensation.activity}"),
            start_to_close_timeout=COMPENSATION_TIMEOUT,
            retry_policy=COMPENSATION_RETRY,
        )
        run.compensated, run.undo_end = True, workflow.now()

    # -- search attributes and the store --------------------------------------------------------

    def assess_jeopardy(self) -> None:
        if not self.jeopardy_due():
            return
        if not self.book.assessing:
            self.book.order_from_forecast = workflow.patched("order-jeopardy-from-forecast")
        level = self.book.assess_jeopardy(workflow.now())
        if level is not None:
            self._upsert(sa.JEOPARDY, level)

    def show_jeopardy(self, level: str | None) -> None:
        """A new jeopardy level decided elsewhere (the review wait's): the search attribute."""
        if level is not None:
            workflow.upsert_search_attributes([sa.JEOPARDY.value_set(level)])

    def clear_jeopardy(self, reset: bool) -> None:
        if reset:
            self._upsert(sa.JEOPARDY, "none")

    def count_fallout(self) -> None:
        count = self.book.count_fallout()
        if count is not None:
            self._upsert(sa.FALLOUT_COUNT, count)

    async def move_to(self, state: OrderState, persist: bool = True) -> None:
        """The order's new state, its search attribute, and (unless the caller writes it with
        what follows) the store."""
        self.book.move_to(state, workflow.now())
        self._upsert(sa.ORDER_STATE, state.value)
        if persist:
            await self.persist()
        else:
            self.unsaved = True

    def closing_next(self) -> bool:
        """The plan has run to its end and nothing is left to undo: the order closes next, and
        that writes the store (issue 24: no write just before it)."""
        book = self.book
        if not (book.is_done() and not book.undo_queue and self.fewer_events()):
            return False
        failed = (i.id for i in book.order.product_order_item if i.state == ItemState.FAILED)
        return not any(book.plan.to_compensate(item_id) for item_id in failed)

    def _upsert(self, key: SearchAttributeKey[Any], value: Any) -> None:
        """One event per upsert: none for a value the attribute already holds (the API starts
        an order with its state, Jeopardy none and FalloutCount 0)."""
        current = workflow.info().typed_search_attributes.get(key)
        if current == value and self.fewer_events():
            return
        workflow.upsert_search_attributes([key.value_set(value)])

    def show_details(self) -> None:
        """What the Temporal UI shows the order doing and waiting for (workflows/ui_text.py)."""
        order, execution = self.book.order, self.book.execution
        workflow.set_current_details(
            order_current_details(
                order,
                execution,
                lambda task: wait_until(order, execution, task) if execution else None,
            )
        )

    async def persist(self) -> None:
        self.unsaved = False
        self.persisted_at = workflow.now()
        self.show_details()
        revision, events = self.book.take_events()
        order = self.book.order
        # A local activity: a store write is milliseconds of work in this worker, not worth a
        # round trip through the server's task queues (measured in bench/results/orders.md).
        await workflow.execute_local_activity(
            save_order,
            SaveOrderInput(
                order=order,
                revision=revision,
                events=events,
                execution=self.book.execution if order.state.is_final else None,
                plan_view=self.plan_view_changes(),
            ),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )

    async def save_cancellation(self) -> None:
        request, revision = cancellation.to_save(self.book, workflow.now())
        await workflow.execute_local_activity(
            save_cancellation,
            SaveCancellationInput(cancellation=request, revision=revision),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )


def _plannable(result: PlanOrderResult) -> PlanOrderResult:
    if result.problems or result.plan is None:
        reasons = "; ".join(p.reason for p in result.problems)
        raise ApplicationError(reasons or "the changed order cannot be planned", type="Invalid")
    return result
