"""DomainOrderWorkflow: runs the tasks of one product, service or resource order.

The parent order workflow decides *when* a task may run (it holds the whole DAG, so dependencies
across domains hold); this child decides *how*: activity, manual work item, milestone or timer.
Its id reads `order-<id>/<domain order id>` in the Temporal UI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    is_cancelled_exception,
)

with workflow.unsafe.imports_passed_through():
    from activities.fallout import fallout_case_id
    from activities.southbound.contract import SYSTEM_OFFLINE
    from activities.work_queue import manual_task_ref
    from decomposition.catalog import TaskKind
    from decomposition.plan import PlanTask
    from tmf.common import iso_z
    from workflows.domain_order_book import (
        MANUAL_DEADLINE_PATCH,
        DomainOrderBook,
        cancelled_outcome,
        close_at_deadline,
        decided_outcome,
        fallout_opened,
        finish_simulated,
        manual_deadline,
        reassigned_notice,
        succeeded_outcome,
    )
    from workflows.domain_order_effects import DomainOrderEffects
    from workflows.messages import (
        CancelTasks,
        ClaimManualTask,
        CompleteManualTask,
        DomainOrderInput,
        DomainOrderResult,
        FalloutAction,
        FalloutDecision,
        FalloutView,
        ManualTaskView,
        ReassignManualTask,
        RunTask,
        RunTasks,
        TaskFinished,
        TaskHeld,
        TasksFinished,
        UpdateTaskData,
    )
    from workflows.refusal import Refusal
    from workflows.ui_text import timer_summary


def _refuse_with(check: Callable[[], None]) -> None:
    """Validators refuse before history: the book's refusal becomes the caller's error."""
    try:
        check()
    except Refusal as refusal:
        raise ApplicationError(str(refusal), type=refusal.kind) from None


@workflow.defn(name="DomainOrder")
class DomainOrderWorkflow:
    @workflow.init
    def __init__(self, input: DomainOrderInput) -> None:
        self._input = input
        self._effects = DomainOrderEffects(input)
        self.book = DomainOrderBook(input.tasks)
        self._work: dict[str, asyncio.Task[None]] = {}

    @workflow.run
    async def run(self, input: DomainOrderInput) -> DomainOrderResult:
        book = self.book
        while True:
            # Conditions are checked once the activation's ready work has run: every task that
            # ended in this workflow task has put its outcome in the outbox by then.
            await workflow.wait_condition(
                lambda: bool(book.queue) or bool(book.outbox) or (book.closing and book.idle())
            )
            if book.outbox:
                self._report_outbox()
            if not book.queue:
                if book.closing and book.idle():
                    break
                continue
            request = self.book.start_next()
            self._work[request.task.id] = asyncio.create_task(self._execute(request))
        return DomainOrderResult(
            domain_order_id=input.domain_order.id, tasks_run=self.book.tasks_run
        )

    def _report_outbox(self) -> None:
        """One signal for every outcome of this workflow task (issue 24: each signal costs the
        parent and this child a workflow task)."""
        outcomes, self.book.outbox = self.book.outbox, []
        self.book.reporting += 1

        async def send() -> None:
            try:
                await self._effects.tell_parent(TasksFinished(outcomes=outcomes))
            finally:
                self.book.reporting -= 1

        asyncio.create_task(send())

    @workflow.signal(name="run_tasks")
    def run_tasks(self, batch: RunTasks) -> None:
        self.book.queue.extend(batch.tasks)

    @workflow.signal(name="close")
    def close(self) -> None:
        self.book.closing = True

    @workflow.signal(name="update_task_data")
    async def update_task_data(self, request: UpdateTaskData) -> None:
        """New data for an open or claimed manual job: the technician sees it with a note."""
        job = self.book.new_task_data(request)
        if job is None:
            return
        run, view = job
        await self._effects.update_work_item(
            manual_task_ref(run.idempotency_key),
            view.state,
            note=request.note,
            params=request.params,
        )

    @workflow.signal(name="cancel_tasks")
    def cancel_tasks(self, request: CancelTasks) -> None:
        """Stop work the order no longer wants: timers, waits for technicians, calls."""
        for task_id in request.task_ids:
            self.book.withdrawn.add(task_id)
            work = self._work.get(task_id)
            if work is not None and not work.done():
                work.cancel()

    @workflow.query(name="manual_tasks")
    def manual_tasks(self) -> list[ManualTaskView]:
        return list(self.book.manual.values())

    @workflow.update(name="claim_manual_task")
    async def claim_manual_task(self, claim: ClaimManualTask) -> ManualTaskView:
        view = self.book.claim(claim)
        # The store row must exist before it is updated.
        await workflow.wait_condition(lambda: claim.task_id in self.book.opened)
        await self._effects.record_manual(view, self.book.manual_runs[claim.task_id])
        return view

    @claim_manual_task.validator
    def _validate_claim(self, claim: ClaimManualTask) -> None:
        _refuse_with(lambda: self.book.check_claim(claim))

    @workflow.update(name="reassign_manual_task")
    async def reassign_manual_task(self, request: ReassignManualTask) -> ManualTaskView:
        """A manager hands the job to someone else or takes it over; the order's history says
        who did it (a new handler: no recorded history issues it)."""
        previous = self.book.reassign(request)
        view = self.book.manual[request.task_id]
        await workflow.wait_condition(lambda: request.task_id in self.book.opened)
        await self._effects.record_manual(view, self.book.manual_runs[request.task_id])
        await self._effects.tell_parent(reassigned_notice(request, previous))
        return view

    @reassign_manual_task.validator
    def _validate_reassign(self, request: ReassignManualTask) -> None:
        _refuse_with(lambda: self.book.check_reassign(request))

    @workflow.update(name="complete_manual_task")
    async def complete_manual_task(self, completion: CompleteManualTask) -> ManualTaskView:
        return self.book.complete(completion)

    @complete_manual_task.validator
    def _validate_completion(self, completion: CompleteManualTask) -> None:
        _refuse_with(lambda: self.book.check_completion(completion))

    @workflow.query(name="fallout_cases")
    def fallout_cases(self) -> list[FalloutView]:
        return list(self.book.fallout.values())

    @workflow.update(name="fallout_decision")
    async def fallout_decision(self, decision: FalloutDecision) -> FalloutView:
        view = self.book.begin_decision(decision)
        # An agent may act on the case the moment it is listed, before this workflow has seen
        # its store write complete: the decision is recorded after the case, never before.
        await workflow.wait_condition(lambda: decision.task_id in self.book.fallout_stored)
        self.book.apply_decision(view, decision)
        await self._effects.record_decision(view, decision)
        if decision.action != FalloutAction.ASSIGN:
            self.book.decisions[decision.task_id] = decision
        return view

    @fallout_decision.validator
    def _validate_decision(self, decision: FalloutDecision) -> None:
        _refuse_with(lambda: self.book.check_decision(decision))

    async def _execute(self, request: RunTask) -> None:
        task = request.task
        started = workflow.now()
        outcome: TaskFinished | None = None
        try:
            while outcome is None:
                if self._cancelled(task.id):
                    break
                try:
                    result = await self._perform(request)
                    outcome = succeeded_outcome(task.id, started, workflow.now(), result)
                except ActivityError as err:
                    if is_cancelled_exception(err):
                        raise
                    cause = err.cause
                    error_type = cause.type if isinstance(cause, ApplicationError) else None
                    if error_type == SYSTEM_OFFLINE:
                        # Not fallout: nobody needs to act, the system just has to come back.
                        await self._hold_until_online(task, str(cause))
                        continue
                    decision = await self._fall_out(request, err, error_type)
                    if decision.action == FalloutAction.RETRY:
                        params = {**task.params, **decision.params}
                        task = task.model_copy(update={"params": params})
                        request = request.model_copy(update={"task": task})
                    else:
                        error = str(cause or err)
                        outcome = decided_outcome(
                            decision, task.id, started, workflow.now(), error, error_type
                        )
        except asyncio.CancelledError:
            outcome = None
        finally:
            self.book.ended(task.id)
            self._work.pop(task.id, None)
        if outcome is None:
            outcome = await self._cancelled_outcome(request, started)
        self._effects.show_waits(self.book)
        if self._input.protocol >= 2:
            self.book.outbox.append(outcome)  # sent by run() with the others of this task
            return
        await self._effects.tell_parent(outcome)

    def _cancelled(self, task_id: str) -> bool:
        return task_id in self.book.withdrawn

    def _stop_if_withdrawn(self, task_id: str) -> None:
        if self._cancelled(task_id):
            raise asyncio.CancelledError(f"task {task_id} withdrawn")

    async def _cancelled_outcome(self, request: RunTask, started: datetime) -> TaskFinished:
        """The order stopped this task: its work item and fallout case are withdrawn, the parent
        told."""
        task = request.task
        case = self.book.withdraw_case(task.id)
        await self._effects.withdraw(request, case, manual=task.id in self.book.manual)
        return cancelled_outcome(task.id, started, workflow.now())

    async def _hold_until_online(self, task: PlanTask, reason: str) -> None:
        """Wait with growing pauses, then let the caller try again; the parent shows it held."""
        if task.id not in self.book.held:
            self.book.held[task.id] = 0
            await self._effects.tell_parent(TaskHeld(task_id=task.id, held=True, reason=reason))
        pause = self.book.next_offline_pause(task.id, self._input.policy)
        self._effects.show_waits(self.book)
        await workflow.sleep(
            pause, summary=timer_summary(task, f"{task.system} offline, try again")
        )

    async def _resume_if_held(self, task: PlanTask) -> None:
        if self.book.held.pop(task.id, None) is not None:
            await self._effects.tell_parent(TaskHeld(task_id=task.id, held=False))

    async def _fall_out(
        self, request: RunTask, err: ActivityError, error_type: str | None
    ) -> FalloutDecision:
        """Open (or reopen) the task's fallout case and wait for an agent's decision."""
        task = request.task
        await self._resume_if_held(task)
        case_id = fallout_case_id(request.idempotency_key)
        failures = self.book.open_case(task.id, case_id)
        message = str(err.cause or err)
        exhausted = err.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
        attempts = task.retry.max_attempts if exhausted else 1
        await self._effects.open_fallout_case(
            request, case_id, failures, error_type, message, attempts
        )
        self.book.fallout_stored.add(task.id)
        await self._effects.tell_parent(fallout_opened(task.id, case_id, error_type, message))
        self._effects.show_waits(self.book)
        await workflow.wait_condition(
            lambda: task.id in self.book.decisions or self._cancelled(task.id)
        )
        self._stop_if_withdrawn(task.id)
        return self.book.take_decision(task.id)

    async def _perform(self, request: RunTask) -> dict[str, object]:
        task = request.task
        if task.kind == TaskKind.AUTOMATED:
            return await self._call_system(request)
        if task.kind == TaskKind.MANUAL:
            return await self._manual_task(request)
        if task.kind == TaskKind.WAIT_UNTIL and request.wait_until is not None:
            delay = request.wait_until - workflow.now()
            if delay > timedelta(0):
                self._effects.show_waits(self.book)
                await workflow.sleep(delay, summary=timer_summary(task, "wait until"))
            return {"waitedUntil": iso_z(request.wait_until)}
        if task.kind == TaskKind.MILESTONE:
            return {"milestone": task.milestone or task.name}
        return {}

    async def _call_system(self, request: RunTask) -> dict[str, object]:
        result = await self._effects.call_system(request, self.book.activity_id(request))
        await self._resume_if_held(request.task)
        return {"reference": result.reference, **result.data}

    async def _manual_task(self, request: RunTask) -> dict[str, object]:
        task = request.task
        view = self.book.open_manual(request)
        opened = await self._effects.open_work_item(
            request, f"{self.book.activity_id(request)}/open"
        )
        self.book.opened.add(task.id)
        if opened.simulated_result is not None:
            # The field-workforce simulator: a technician who always finishes the job.
            await workflow.sleep(timedelta(milliseconds=opened.simulated_delay_ms))
            finish_simulated(view, opened.simulated_result)
        self._effects.show_waits(self.book)
        done = lambda: view.state == "completed" or self._cancelled(task.id)  # noqa: E731
        deadline = manual_deadline(task)
        note = None
        if deadline is not None and workflow.patched(MANUAL_DEADLINE_PATCH):
            # A durable timer: at the deadline (a return's window) the job closes with the
            # result the plan gave for it (nothing received), unless it was done before.
            left = max(deadline - workflow.now(), timedelta(milliseconds=1))
            try:
                await workflow.wait_condition(
                    done, timeout=left, timeout_summary=timer_summary(task, "deadline")
                )
            except TimeoutError:
                close_at_deadline(view, task)
                note = "closed at its deadline"
        else:
            await workflow.wait_condition(done)
        if view.state != "completed":
            self._stop_if_withdrawn(task.id)
        await self._effects.record_manual(view, request, task_ref=opened.task_ref, note=note)
        return dict(view.result or {})
