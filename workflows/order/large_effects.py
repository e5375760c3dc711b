"""The commands of a large order's children (issue 24; the rules in `children.py`): started and
signalled a round at a time, closed as soon as their domain order has nothing left to run, at
most `children.OPEN_LIMIT` open or closing. Part of `OrderEffects`, whose children these are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ChildWorkflowHandle, ExternalWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from decomposition.plan import Plan
    from workflows.domain_order import DomainOrderWorkflow
    from workflows.messages import DomainOrderResult, RunTask, RunTasks
    from workflows.order import children
    from workflows.order.book import OrderBook
    from workflows.order.naming import child_workflow_id
    from workflows.plan_view_rows import PlanViewChanges, PlanViewSync

# A child this run started, or (an order continued as new) one an earlier run started, which
# this run reaches by its workflow id.
Handle = (
    ChildWorkflowHandle[DomainOrderWorkflow, DomainOrderResult]
    | ExternalWorkflowHandle[DomainOrderWorkflow]
)


# A large order writes its progress to the store at most this often (each write carries the
# whole order, ~1 MB at 1,000 items): GET shows it at most this late. Its state changes, updates
# and closing are written at once, as for any order.
PERSIST_EVERY = timedelta(seconds=2)


class LargeOrderEffects:
    book: OrderBook
    children: dict[str, Handle]
    unsaved: bool

    async def persist(self) -> None:
        raise NotImplementedError

    def init_large(self) -> None:
        self.large = False
        self.closing: dict[str, Handle] = {}
        self.reserved: set[str] = set()  # domain orders given tasks by the dispatch under way
        self.persisted_at: datetime | None = None
        self.assessed_at: datetime | None = None  # a large order's last jeopardy assessment
        self._tasks_of: tuple[Plan, dict[str, list[str]]] | None = None
        self.starting: set[str] = set()  # children whose start is under way
        self.sending: dict[str, asyncio.Task[None]] = {}  # each domain order's last command
        self._in_flight: asyncio.Semaphore | None = None
        self._plan_view = PlanViewSync()  # what the store holds of the plan view

    async def persist_progress(self) -> None:
        """The order's progress to the store: at once, or for a large order once PERSIST_EVERY
        has passed since the last write (until then it waits, `unsaved`)."""
        due = self._persist_due()
        if due is None or due <= workflow.now():
            return await self.persist()
        self.unsaved = True

    def plan_view_changes(self) -> PlanViewChanges | None:
        """A large open order's store write carries its plan view's changed rows: its plan and
        timeline are read from the store, not asked of this busy workflow (plan_view_rows.py)."""
        execution = self.book.execution
        if not self.large or execution is None or self.book.order.state.is_final:
            return None
        return self._plan_view.changes(execution)

    def jeopardy_due(self) -> bool:
        """Whether to assess jeopardy now (the critical path over every task left): a large order
        at most every PERSIST_EVERY, unless a threshold was reached."""
        if not self.large:
            return True
        now, jeopardy = workflow.now(), self.book.jeopardy
        threshold = jeopardy.next_check if jeopardy is not None else None
        recent = self.assessed_at is not None and now - self.assessed_at < PERSIST_EVERY
        if recent and (threshold is None or now < threshold):
            return False
        self.assessed_at = now
        return True

    def wait_timeout(self, timeout: timedelta | None) -> timedelta | None:
        """The order's wait, no longer than until a large order's unsaved progress is due."""
        due = self._persist_due()
        if due is None or not self.unsaved:
            return timeout
        left = max(due - workflow.now(), timedelta(milliseconds=1))
        return left if timeout is None else min(timeout, left)

    def _persist_due(self) -> datetime | None:
        if not self.large or self.persisted_at is None:
            return None
        return self.persisted_at + PERSIST_EVERY

    async def _start_child(self, domain_order_id: str, tasks: list[RunTask]) -> None:
        raise NotImplementedError

    def _dispatch_large(self, batches: dict[str, list[RunTask]]) -> None:
        """Each domain order's tasks go out without the wait loop waiting for them: the loop goes
        back to the children's reports while the starts and signals are acknowledged."""
        for domain_order_id, tasks in batches.items():
            if domain_order_id not in self.children:
                self.starting.add(domain_order_id)
            self._then(domain_order_id, self._send_tasks(domain_order_id, tasks))

    def _then(self, domain_order_id: str, command: Coroutine[Any, Any, None]) -> None:
        """A domain order's commands one after another (a start before the signals that follow
        it, a close before the start of its next run); other domain orders' meanwhile."""
        previous = self.sending.get(domain_order_id)
        task = asyncio.create_task(_after(previous, command))
        self.sending[domain_order_id] = task
        task.add_done_callback(lambda done: self._sent(domain_order_id, done))

    def _sent(self, domain_order_id: str, task: asyncio.Task[None]) -> None:
        if self.sending.get(domain_order_id) is task:
            del self.sending[domain_order_id]

    def _round(self) -> asyncio.Semaphore:
        """At most PER_ROUND starts or signals awaiting their acknowledgement (one workflow
        task's commands stay within the 4 MB gRPC message)."""
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(children.PER_ROUND)
        return self._in_flight

    async def _send_tasks(self, domain_order_id: str, tasks: list[RunTask]) -> None:
        async with self._round():
            if (handle := self.children.get(domain_order_id)) is not None:
                await handle.signal(DomainOrderWorkflow.run_tasks, RunTasks(tasks=tasks))
            else:
                await self._start_when_closed(domain_order_id, tasks)
        self.starting.discard(domain_order_id)

    async def _start_when_closed(self, domain_order_id: str, tasks: list[RunTask]) -> None:
        """Start the child; if an earlier run's child of this domain order, closed by this run,
        has not ended yet, wait a second and try again (`children.RESTART_CLOSED_CHILD`)."""
        for attempt in range(1, children.RESTART_ATTEMPTS + 1):
            try:
                return await self._start_child(domain_order_id, tasks)
            except WorkflowAlreadyStartedError:
                if attempt == children.RESTART_ATTEMPTS or not workflow.patched(
                    children.RESTART_CLOSED_CHILD
                ):
                    raise
                await workflow.sleep(timedelta(seconds=1), summary="child still closing")

    async def _close(self, domain_order_id: str, handle: Handle) -> None:
        async with self._round():
            await handle.signal(DomainOrderWorkflow.close)
        if isinstance(handle, ChildWorkflowHandle):  # an earlier run's child ends by itself
            await handle
        if self.closing.get(domain_order_id) is handle:
            del self.closing[domain_order_id]
            self.book.plan_changed = True  # a slot is free: tasks waiting for one may go

    async def drain(self) -> None:
        """Until every start, signal and close sent has been acknowledged (closes: the child
        has ended)."""
        while self.sending:
            await asyncio.gather(*self.sending.values())

    def resume(self, open_children: list[str]) -> None:
        """A run continued as new: its children are the last run's, reached by workflow id, and
        it runs them as a large order does (closed once done, slots counted)."""
        order_id = self.book.order.id
        for domain_order_id in open_children:
            self.children[domain_order_id] = workflow.get_external_workflow_handle_for(
                DomainOrderWorkflow.run, child_workflow_id(order_id, domain_order_id)
            )
        self.large = True
        self.book.child_slots = self._child_slots

    def open_children(self) -> list[str]:
        """The domain orders whose child is open, for the next run (nothing is in flight)."""
        assert not self.sending and not self.closing and not self.starting
        return sorted(self.children)

    def go_large(self) -> None:
        """A plan with more children than Temporal keeps pending (children.py, patched)."""
        if children.is_large(self.book.plan.plan) and workflow.patched(children.LARGE_ORDER):
            self.large = True
            self.book.child_slots = self._child_slots

    def _child_slots(self) -> tuple[set[str], int]:
        busy = set(self.children) | set(self.closing) | self.starting | self.reserved
        return busy, children.OPEN_LIMIT - len(busy)

    async def close_finished(self) -> None:
        """A large order closes the children whose domain order has nothing left to run."""
        if not self.large:
            return
        plan = self.book.plan
        if self._tasks_of is None or self._tasks_of[0] is not plan.plan:
            self._tasks_of = (plan.plan, children.tasks_by_domain_order(plan.plan))
        for domain_order_id in children.to_close(plan, self._tasks_of[1], self.children):
            handle = self.children.pop(domain_order_id)
            self.closing[domain_order_id] = handle
            self._then(domain_order_id, self._close(domain_order_id, handle))

    async def _close_all(self) -> None:
        """The order closes: once every command sent is acknowledged, the children still open."""
        await self.drain()
        for domain_order_id in list(self.children):
            handle = self.children.pop(domain_order_id)
            self.closing[domain_order_id] = handle
            self._then(domain_order_id, self._close(domain_order_id, handle))
        await self.drain()


async def _after(previous: asyncio.Task[None] | None, command: Coroutine[Any, Any, None]) -> None:
    if previous is not None:
        await previous
    await command
