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
    from workflows.domain_order_book import DomainOrderBook
    from workflows.domain_order_effects import DomainOrderEffects
    from workflows.messages import (
        TASK_CANCELLED,
        CancelTasks,
        ClaimManualTask,
        CompleteManualTask,
        DomainOrderInput,
        DomainOrderResult,
        FalloutAction,
        FalloutDecision,
        FalloutNotice,
        FalloutView,
        ManualTaskView,
        RunTask,
        RunTasks,
        TaskFinished,
        TaskHeld,
        TasksFinished,
        UpdateTaskData,
    )
    from workflows.refusal import Refusal
    from workflows.ui_text import domain_order_current_details, timer_summary


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
            try:
                await workflow.wait_condition(
                    lambda: bool(book.queue) or bool(book.outbox) or (book.closing and book.idle())
                )
            except asyncio.CancelledError:
                if input.protocol < 2:
                    raise
                # The order has closed and its close policy asks its children to cancel: every
                # task has reported by then, so the domain order ends Completed, as `close` did.
                break
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
        run = self.book.manual_runs.get(request.task_id)
        view = self.book.manual.get(request.task_id)
        if run is None or view is None or view.state == "completed":
            return
        task = run.task.model_copy(update={"params": request.params})
        self.book.manual_runs[request.task_id] = run.model_copy(update={"task": task})
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
        view = self.book.manual[claim.task_id]
        view.state = "claimed"
        view.assignee = claim.assignee
        # The store row must exist before it is updated.
        await workflow.wait_condition(lambda: claim.task_id in self.book.opened)
        await self._record_manual(view, self.book.manual_runs[claim.task_id])
        return view

    @claim_manual_task.validator
    def _validate_claim(self, claim: ClaimManualTask) -> None:
        _refuse_with(lambda: self.book.check_claim(claim))

    @workflow.update(name="complete_manual_task")
    async def complete_manual_task(self, completion: CompleteManualTask) -> ManualTaskView:
        view = self.book.manual[completion.task_id]
        view.state = "completed"
        view.result = completion.result
        view.assignee = view.assignee or completion.completed_by
        return view

    @complete_manual_task.validator
    def _validate_completion(self, completion: CompleteManualTask) -> None:
        _refuse_with(lambda: self.book.check_completion(completion))

    @workflow.query(name="fallout_cases")
    def fallout_cases(self) -> list[FalloutView]:
        return list(self.book.fallout.values())

    @workflow.update(name="fallout_decision")
    async def fallout_decision(self, decision: FalloutDecision) -> FalloutView:
        view = self.book.fallout[decision.task_id]
        if decision.action != FalloutAction.ASSIGN:  # before any await: the next validator sees it
            self.book.deciding.add(decision.task_id)
        # An agent may act on the case the moment it is listed, before this workflow has seen
        # its store write complete: the decision is recorded after the case, never before.
        await workflow.wait_condition(lambda: decision.task_id in self.book.fallout_stored)
        if decision.action == FalloutAction.ASSIGN:
            view.state, view.assignee = "inProgress", decision.agent
        else:
            view.state, view.resolution = "resolved", decision.action.value
        await self._effects.record_fallout_decision(
            view.case_id,
            f"{view.case_id}/{workflow.uuid4()}",
            decision.action.value,
            decision.actor or decision.agent,
            decision.note,
            view.state,
            view.assignee if decision.action == FalloutAction.ASSIGN else None,
        )
        await self._effects.tell_parent(
            FalloutNotice(
                task_id=decision.task_id,
                case_id=view.case_id,
                state=view.state,
                action=decision.action.value,
                actor=decision.actor or decision.agent,
                actor_role=decision.actor_role,
                assignee=view.assignee,
                note=decision.note,
            )
        )
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
                    outcome = TaskFinished(
                        task_id=task.id,
                        succeeded=True,
                        started_at=started,
                        ended_at=workflow.now(),
                        result=result,
                    )
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
                    elif decision.action == FalloutAction.SKIP:
                        outcome = TaskFinished(
                            task_id=task.id,
                            succeeded=True,
                            started_at=started,
                            ended_at=workflow.now(),
                            result=decision.result,
                            skipped_by=decision.agent,
                        )
                    else:
                        outcome = TaskFinished(
                            task_id=task.id,
                            succeeded=False,
                            started_at=started,
                            ended_at=workflow.now(),
                            error=decision.note or str(cause or err),
                            error_type=error_type,
                        )
        except asyncio.CancelledError:
            outcome = None
        finally:
            self.book.ended(task.id)
            self._work.pop(task.id, None)
        if outcome is None:
            outcome = await self._cancelled_outcome(request, started)
        self._show_waits()
        if self._input.protocol >= 2:
            self.book.outbox.append(outcome)  # sent by run() with the others of this task
            return
        await self._effects.tell_parent(outcome)

    def _show_waits(self) -> None:
        """Refresh what the Temporal UI shows this domain order waiting for."""
        requests = list(self.book.running_requests.values())
        workflow.set_current_details(
            domain_order_current_details(
                [r.task for r in requests],
                {r.task.id: r.wait_until for r in requests},
                manual_open=self.book.opened,
                fallout=set(self.book.fallout),
                held=set(self.book.held),
            )
        )

    def _cancelled(self, task_id: str) -> bool:
        return task_id in self.book.withdrawn

    def _stop_if_withdrawn(self, task_id: str) -> None:
        if self._cancelled(task_id):
            raise asyncio.CancelledError(f"task {task_id} withdrawn")

    async def _cancelled_outcome(self, request: RunTask, started: datetime) -> TaskFinished:
        """The order stopped this task: its work item and fallout case are withdrawn, the parent
        told."""
        task = request.task
        case = self.book.fallout.pop(task.id, None)
        self.book.fallout_stored.discard(task.id)
        if case is not None:
            # Nobody has to decide on work the order no longer wants: the case closes.
            await self._effects.record_fallout_decision(
                case.case_id,
                f"{case.case_id}/withdrawn",
                "withdrawn",
                "tessera",
                "withdrawn: the order was cancelled",
                "resolved",
            )
        if task.id in self.book.manual:
            await self._effects.update_work_item(
                manual_task_ref(request.idempotency_key),
                "cancelled",
                note="withdrawn: the order was cancelled",
            )
        return TaskFinished(
            task_id=task.id,
            succeeded=False,
            started_at=started,
            ended_at=workflow.now(),
            error="cancelled with the order",
            error_type=TASK_CANCELLED,
        )

    async def _hold_until_online(self, task: PlanTask, reason: str) -> None:
        """Wait with growing pauses, then let the caller try again; the parent shows it held."""
        if task.id not in self.book.held:
            self.book.held[task.id] = 0
            await self._effects.tell_parent(TaskHeld(task_id=task.id, held=True, reason=reason))
        pause = self.book.next_offline_pause(task.id, self._input.policy)
        self._show_waits()
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
        failures = self.book.failures.get(task.id, 0) + 1
        self.book.failures[task.id] = failures
        case_id = fallout_case_id(request.idempotency_key)
        message = str(err.cause or err)
        exhausted = err.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
        # Known before the case is stored, so a decision arriving at once is accepted.
        view = FalloutView(task_id=task.id, case_id=case_id, state="open")
        self.book.fallout[task.id] = view
        self.book.case_opened(task.id, case_id)
        attempts = task.retry.max_attempts if exhausted else 1
        await self._effects.open_fallout_case(
            request, case_id, failures, error_type, message, attempts
        )
        self.book.fallout_stored.add(task.id)
        await self._effects.tell_parent(
            FalloutNotice(
                task_id=task.id,
                case_id=case_id,
                state="open",
                action="opened",
                error_type=error_type,
                error=message,
            )
        )
        self._show_waits()
        await workflow.wait_condition(
            lambda: task.id in self.book.decisions or self._cancelled(task.id)
        )
        self._stop_if_withdrawn(task.id)
        decision = self.book.decisions.pop(task.id)
        del self.book.fallout[task.id]
        self.book.fallout_stored.discard(task.id)
        return decision

    async def _perform(self, request: RunTask) -> dict[str, object]:
        task = request.task
        if task.kind == TaskKind.AUTOMATED:
            return await self._call_system(request)
        if task.kind == TaskKind.MANUAL:
            return await self._manual_task(request)
        if task.kind == TaskKind.WAIT_UNTIL and request.wait_until is not None:
            delay = request.wait_until - workflow.now()
            if delay > timedelta(0):
                self._show_waits()
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
        # Known before the work item is stored: a technician who sees it in the queue at once
        # can claim or complete it.
        view = ManualTaskView(task_id=task.id, state="open")
        self.book.manual[task.id] = view
        self.book.manual_runs[task.id] = request
        opened = await self._effects.open_work_item(
            request, f"{self.book.activity_id(request)}/open"
        )
        self.book.opened.add(task.id)
        if opened.simulated_result is not None:
            # The field-workforce simulator: a technician who always finishes the job.
            await workflow.sleep(timedelta(milliseconds=opened.simulated_delay_ms))
            if view.state != "completed":
                view.state, view.assignee = "completed", "field-workforce-simulator"
                view.result = opened.simulated_result
        self._show_waits()
        await workflow.wait_condition(lambda: view.state == "completed" or self._cancelled(task.id))
        if view.state != "completed":
            self._stop_if_withdrawn(task.id)
        await self._record_manual(view, request, task_ref=opened.task_ref)
        return dict(view.result or {})

    async def _record_manual(
        self, view: ManualTaskView, request: RunTask, task_ref: str | None = None
    ) -> None:
        await self._effects.update_work_item(
            task_ref or manual_task_ref(request.idempotency_key),
            view.state,
            assignee=view.assignee,
            result=view.result,
        )
