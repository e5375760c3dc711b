"""The commands of a large order's children (issue 24; the rules in `children.py`): started and
signalled a round at a time, closed as soon as their domain order has nothing left to run, at
most `children.OPEN_LIMIT` open or closing. Part of `OrderEffects`, whose children these are.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.workflow import ChildWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from decomposition.plan import Plan
    from workflows.domain_order import DomainOrderWorkflow
    from workflows.messages import DomainOrderResult, RunTask, RunTasks
    from workflows.order import children
    from workflows.order.book import OrderBook

Handle = ChildWorkflowHandle[DomainOrderWorkflow, DomainOrderResult]


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
        self._tasks_of: tuple[Plan, dict[str, list[str]]] | None = None

    async def persist_progress(self) -> None:
        """The order's progress to the store: at once, or for a large order once PERSIST_EVERY
        has passed since the last write (until then it waits, `unsaved`)."""
        due = self._persist_due()
        if due is None or due <= workflow.now():
            return await self.persist()
        self.unsaved = True

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

    async def _dispatch_in_rounds(self, batches: dict[str, list[RunTask]]) -> None:
        for batch in children.rounds(batches.items()):
            for domain_order_id, _ in batch:  # closed early, and given work again
                if (closing := self.closing.pop(domain_order_id, None)) is not None:
                    await closing
            await asyncio.gather(
                *(
                    self.children[d].signal(DomainOrderWorkflow.run_tasks, RunTasks(tasks=tasks))
                    if d in self.children
                    else self._start_child(d, tasks)
                    for d, tasks in batch
                )
            )

    def go_large(self) -> None:
        """A plan with more children than Temporal keeps pending (children.py, patched)."""
        if children.is_large(self.book.plan.plan) and workflow.patched(children.LARGE_ORDER):
            self.large = True
            self.book.child_slots = self._child_slots

    def _child_slots(self) -> tuple[set[str], int]:
        busy = set(self.children) | set(self.closing) | self.reserved
        return busy, children.OPEN_LIMIT - len(busy)

    async def close_finished(self) -> None:
        """A large order closes the children whose domain order has nothing left to run."""
        if not self.large:
            return
        plan = self.book.plan
        if self._tasks_of is None or self._tasks_of[0] is not plan.plan:
            self._tasks_of = (plan.plan, children.tasks_by_domain_order(plan.plan))
        done = children.to_close(plan, self._tasks_of[1], self.children)
        for batch in children.rounds(done):
            handles = [(d, self.children.pop(d)) for d in batch]
            await asyncio.gather(*(h.signal(DomainOrderWorkflow.close) for _, h in handles))
            for domain_order_id, handle in handles:
                self.closing[domain_order_id] = handle
                asyncio.create_task(self._settle(domain_order_id, handle))

    async def _settle(self, domain_order_id: str, handle: ChildWorkflowHandle[Any, Any]) -> None:
        await handle
        if self.closing.get(domain_order_id) is handle:
            del self.closing[domain_order_id]
            self.book.plan_changed = True  # a slot is free: tasks waiting for one may go

    async def _close_all_in_rounds(self) -> None:
        """The order closes: the children still open, a round at a time; then every child."""
        for batch in children.rounds(list(self.children.values())):
            await asyncio.gather(*(h.signal(DomainOrderWorkflow.close) for h in batch))
        await asyncio.gather(*self.children.values(), *self.closing.values())
