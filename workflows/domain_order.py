"""DomainOrderWorkflow: runs the tasks of one product, service or resource order.

The parent order workflow decides *when* a task may run (it holds the whole DAG, so dependencies
across domains hold); this child decides *how*: activity, manual work item, milestone or timer.
Its id reads `order-<id>/<domain order id>` in the Temporal UI.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    is_cancelled_exception,
)

with workflow.unsafe.imports_passed_through():
    from activities.fallout import FalloutDecisionInput, OpenFalloutInput, fallout_case_id
    from activities.southbound.contract import (
        SYSTEM_OFFLINE,
        SouthboundRequest,
        SouthboundResult,
    )
    from activities.work_queue import (
        CloseManualTaskInput,
        OpenManualTaskInput,
        OpenManualTaskResult,
        manual_task_ref,
    )
    from decomposition.catalog import TaskKind
    from decomposition.plan import PlanTask
    from tmf.common import iso_z
    from workflows.messages import (
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
        UpdateTaskData,
    )
    from workflows.result_validation import result_errors

WORK_QUEUE_TIMEOUT = timedelta(seconds=10)
# The error type of a task stopped because its order was cancelled.
TASK_CANCELLED = "TaskCancelled"


def retry_policy_for(task: PlanTask) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=task.retry.initial_interval_seconds),
        backoff_coefficient=task.retry.backoff,
        maximum_attempts=task.retry.max_attempts,
        maximum_interval=timedelta(minutes=5),
        # An offline system is waited for by the workflow (a hold), not retried into fallout.
        non_retryable_error_types=[*task.retry.non_retryable_errors, SYSTEM_OFFLINE],
    )


@workflow.defn(name="DomainOrder")
class DomainOrderWorkflow:
    @workflow.init
    def __init__(self, input: DomainOrderInput) -> None:
        self._input = input
        self._queue: list[RunTask] = list(input.tasks)
        self._running: set[str] = set()
        self._closing = False
        self._tasks_run = 0
        self._manual: dict[str, ManualTaskView] = {}
        self._manual_runs: dict[str, RunTask] = {}
        self._opened: set[str] = set()  # manual tasks whose work item is in the store
        self._held: dict[str, int] = {}  # task id -> pauses so far while its system is offline
        self._failures: dict[str, int] = {}  # task id -> times it fell out
        self._fallout: dict[str, FalloutView] = {}  # task id -> its open case
        self._fallout_stored: set[str] = set()  # tasks whose open case is in the store
        # Tasks the order withdrew. Kept apart from asyncio cancellation, which the SDK drops
        # when it lands on an operation that completed in the same activation.
        self._withdrawn: set[str] = set()
        self._decisions: dict[str, FalloutDecision] = {}
        self._running_requests: dict[str, RunTask] = {}
        self._work: dict[str, asyncio.Task[None]] = {}

    @workflow.run
    async def run(self, input: DomainOrderInput) -> DomainOrderResult:
        while True:
            await workflow.wait_condition(
                lambda: bool(self._queue) or (self._closing and not self._running)
            )
            if not self._queue:
                break
            request = self._queue.pop(0)
            self._running.add(request.task.id)
            self._running_requests[request.task.id] = request
            self._tasks_run += 1
            self._work[request.task.id] = asyncio.create_task(self._execute(request))
        return DomainOrderResult(domain_order_id=input.domain_order.id, tasks_run=self._tasks_run)

    @workflow.signal(name="run_tasks")
    def run_tasks(self, batch: RunTasks) -> None:
        self._queue.extend(batch.tasks)

    @workflow.signal(name="close")
    def close(self) -> None:
        self._closing = True

    @workflow.signal(name="update_task_data")
    async def update_task_data(self, request: UpdateTaskData) -> None:
        """New data for an open or claimed manual job: the technician sees it with a note."""
        run = self._manual_runs.get(request.task_id)
        view = self._manual.get(request.task_id)
        if run is None or view is None or view.state == "completed":
            return
        task = run.task.model_copy(update={"params": request.params})
        self._manual_runs[request.task_id] = run.model_copy(update={"task": task})
        await workflow.execute_activity(
            "work_queue.update_task",
            CloseManualTaskInput(
                order_id=self._input.order_id,
                task_ref=manual_task_ref(run.idempotency_key),
                state=view.state,
                note=request.note,
                params=request.params,
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )

    @workflow.signal(name="cancel_tasks")
    def cancel_tasks(self, request: CancelTasks) -> None:
        """Stop work the order no longer wants: timers, waits for technicians, calls."""
        for task_id in request.task_ids:
            self._withdrawn.add(task_id)
            work = self._work.get(task_id)
            if work is not None and not work.done():
                work.cancel()

    @workflow.query(name="manual_tasks")
    def manual_tasks(self) -> list[ManualTaskView]:
        return list(self._manual.values())

    @workflow.update(name="claim_manual_task")
    async def claim_manual_task(self, claim: ClaimManualTask) -> ManualTaskView:
        view = self._manual[claim.task_id]
        view.state = "claimed"
        view.assignee = claim.assignee
        # The store row must exist before it is updated.
        await workflow.wait_condition(lambda: claim.task_id in self._opened)
        await self._record_manual(view, self._manual_runs[claim.task_id])
        return view

    @claim_manual_task.validator
    def _validate_claim(self, claim: ClaimManualTask) -> None:
        view = self._manual.get(claim.task_id)
        if view is None or view.state == "completed":
            raise ApplicationError(f"task {claim.task_id} is not open", type="InvalidState")
        if view.state == "claimed" and view.assignee != claim.assignee:
            raise ApplicationError(
                f"task {claim.task_id} is already claimed by {view.assignee}", type="InvalidState"
            )

    @workflow.update(name="complete_manual_task")
    async def complete_manual_task(self, completion: CompleteManualTask) -> ManualTaskView:
        view = self._manual[completion.task_id]
        view.state = "completed"
        view.result = completion.result
        view.assignee = view.assignee or completion.completed_by
        return view

    @complete_manual_task.validator
    def _validate_completion(self, completion: CompleteManualTask) -> None:
        view = self._manual.get(completion.task_id)
        if view is None or view.state == "completed":
            raise ApplicationError(f"task {completion.task_id} is not open", type="InvalidState")
        schema = self._manual_runs[completion.task_id].task.result_schema
        errors = result_errors(schema, completion.result)
        if errors:
            raise ApplicationError("; ".join(errors), type="InvalidResult")

    @workflow.query(name="fallout_cases")
    def fallout_cases(self) -> list[FalloutView]:
        return list(self._fallout.values())

    @workflow.update(name="fallout_decision")
    async def fallout_decision(self, decision: FalloutDecision) -> FalloutView:
        view = self._fallout[decision.task_id]
        # An agent may act on the case the moment it is listed, before this workflow has seen
        # its store write complete: the decision is recorded after the case, never before.
        await workflow.wait_condition(lambda: decision.task_id in self._fallout_stored)
        if decision.action == FalloutAction.ASSIGN:
            view.state, view.assignee = "inProgress", decision.agent
        else:
            view.state, view.resolution = "resolved", decision.action.value
        await self._record_fallout_decision(
            view.case_id,
            f"{view.case_id}/{workflow.uuid4()}",
            decision.action.value,
            decision.agent,
            decision.note,
            view.state,
        )
        await self._parent().signal(
            "fallout_changed",
            FalloutNotice(
                task_id=decision.task_id,
                case_id=view.case_id,
                state=view.state,
                action=decision.action.value,
                actor=decision.agent,
                note=decision.note,
            ),
        )
        if decision.action != FalloutAction.ASSIGN:
            self._decisions[decision.task_id] = decision
        return view

    @fallout_decision.validator
    def _validate_decision(self, decision: FalloutDecision) -> None:
        view = self._fallout.get(decision.task_id)
        if view is None or view.state == "resolved" or decision.task_id in self._decisions:
            raise ApplicationError(
                f"task {decision.task_id} has no open fallout case", type="InvalidState"
            )
        if decision.action == FalloutAction.SKIP:
            run = self._running_requests.get(decision.task_id)
            schema = run.task.result_schema if run else None
            if not decision.result and not schema:
                raise ApplicationError(
                    "skip needs the result of the work done by hand", type="InvalidResult"
                )
            errors = result_errors(schema, decision.result)
            if errors:
                raise ApplicationError("; ".join(errors), type="InvalidResult")

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
            self._running.discard(task.id)
            self._running_requests.pop(task.id, None)
            self._work.pop(task.id, None)
            self._withdrawn.discard(task.id)
        if outcome is None:
            outcome = await self._cancelled_outcome(request, started)
        await self._parent().signal("task_finished", outcome)

    async def _record_fallout_decision(
        self, case_id: str, key: str, action: str, actor: str, note: str | None, state: str
    ) -> None:
        await workflow.execute_activity(
            "fallout.record_decision",
            FalloutDecisionInput(
                case_id=case_id,
                decision_key=key,
                order_id=self._input.order_id,
                action=action,
                actor=actor,
                note=note,
                state=state,
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )

    def _cancelled(self, task_id: str) -> bool:
        return task_id in self._withdrawn

    def _stop_if_withdrawn(self, task_id: str) -> None:
        if self._cancelled(task_id):
            raise asyncio.CancelledError(f"task {task_id} withdrawn")

    async def _cancelled_outcome(self, request: RunTask, started: datetime) -> TaskFinished:
        """The order stopped this task: its work item and fallout case are withdrawn, the parent
        told."""
        task = request.task
        case = self._fallout.pop(task.id, None)
        self._fallout_stored.discard(task.id)
        if case is not None:
            # Nobody has to decide on work the order no longer wants: the case closes.
            await self._record_fallout_decision(
                case.case_id,
                f"{case.case_id}/withdrawn",
                "withdrawn",
                "tessera",
                "withdrawn: the order was cancelled",
                "resolved",
            )
        if task.id in self._manual:
            await workflow.execute_activity(
                "work_queue.update_task",
                CloseManualTaskInput(
                    order_id=self._input.order_id,
                    task_ref=manual_task_ref(request.idempotency_key),
                    state="cancelled",
                    note="withdrawn: the order was cancelled",
                ),
                start_to_close_timeout=WORK_QUEUE_TIMEOUT,
            )
        return TaskFinished(
            task_id=task.id,
            succeeded=False,
            started_at=started,
            ended_at=workflow.now(),
            error="cancelled with the order",
            error_type=TASK_CANCELLED,
        )

    def _parent(self) -> workflow.ExternalWorkflowHandle[Any]:
        return workflow.get_external_workflow_handle(self._input.parent_workflow_id)

    async def _hold_until_online(self, task: PlanTask, reason: str) -> None:
        """Wait with growing pauses, then let the caller try again; the parent shows it held."""
        if task.id not in self._held:
            self._held[task.id] = 0
            await self._parent().signal(
                "task_held", TaskHeld(task_id=task.id, held=True, reason=reason)
            )
        policy = self._input.policy
        pause = timedelta(
            seconds=min(
                policy.offline_first_pause_seconds * (1.5 ** self._held[task.id]),
                policy.offline_max_pause_seconds,
            )
        )
        self._held[task.id] += 1
        await workflow.sleep(pause)

    async def _resume_if_held(self, task: PlanTask) -> None:
        if self._held.pop(task.id, None) is not None:
            await self._parent().signal("task_held", TaskHeld(task_id=task.id, held=False))

    async def _fall_out(
        self, request: RunTask, err: ActivityError, error_type: str | None
    ) -> FalloutDecision:
        """Open (or reopen) the task's fallout case and wait for an agent's decision."""
        task = request.task
        await self._resume_if_held(task)
        failures = self._failures.get(task.id, 0) + 1
        self._failures[task.id] = failures
        case_id = fallout_case_id(request.idempotency_key)
        message = str(err.cause or err)
        exhausted = err.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
        # Known before the case is stored, so a decision arriving at once is accepted.
        view = FalloutView(task_id=task.id, case_id=case_id, state="open")
        self._fallout[task.id] = view
        await workflow.execute_activity(
            "fallout.open_case",
            OpenFalloutInput(
                case_id=case_id,
                failure_key=f"{request.idempotency_key}/failure-{failures}",
                order_id=self._input.order_id,
                item_id=task.item_id,
                task_id=task.id,
                task_name=task.name,
                workflow_id=workflow.info().workflow_id,
                system=task.system or "",
                operation=task.operation or "",
                error_type=error_type or "ActivityFailure",
                message=message,
                attempts=task.retry.max_attempts if exhausted else 1,
                failed_at=workflow.now(),
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )
        self._fallout_stored.add(task.id)
        await self._parent().signal(
            "fallout_changed",
            FalloutNotice(
                task_id=task.id,
                case_id=case_id,
                state="open",
                action="opened",
                error_type=error_type,
                error=message,
            ),
        )
        await workflow.wait_condition(
            lambda: task.id in self._decisions or self._cancelled(task.id)
        )
        self._stop_if_withdrawn(task.id)
        decision = self._decisions.pop(task.id)
        del self._fallout[task.id]
        self._fallout_stored.discard(task.id)
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
                await workflow.sleep(delay)
            return {"waitedUntil": iso_z(request.wait_until)}
        if task.kind == TaskKind.MILESTONE:
            return {"milestone": task.milestone or task.name}
        return {}

    async def _call_system(self, request: RunTask) -> dict[str, object]:
        task = request.task
        assert task.activity is not None, f"automated task {task.id} names no system"
        result = await workflow.execute_activity(
            task.activity,
            SouthboundRequest(
                idempotency_key=request.idempotency_key,
                order_id=self._input.order_id,
                item_id=task.item_id,
                task_id=task.id,
                params=task.params,
            ),
            result_type=SouthboundResult,
            # The task id reads well in the Temporal UI and ties history events to the plan.
            activity_id=self._activity_id(request),
            start_to_close_timeout=timedelta(
                seconds=self._input.policy.southbound_attempt_timeout_seconds
            ),
            retry_policy=retry_policy_for(task),
        )
        await self._resume_if_held(task)
        return {"reference": result.reference, **result.data}

    async def _manual_task(self, request: RunTask) -> dict[str, object]:
        task = request.task
        # Known before the work item is stored: a technician who sees it in the queue at once
        # can claim or complete it.
        view = ManualTaskView(task_id=task.id, state="open")
        self._manual[task.id] = view
        self._manual_runs[task.id] = request
        opened = await workflow.execute_activity(
            "work_queue.open_task",
            OpenManualTaskInput(
                idempotency_key=request.idempotency_key,
                order_id=self._input.order_id,
                item_id=task.item_id,
                task_id=task.id,
                workflow_id=workflow.info().workflow_id,
                name=task.name,
                queue=task.queue or "default",
                skill=task.skill,
                params=task.params,
                result_schema=task.result_schema,
            ),
            result_type=OpenManualTaskResult,
            activity_id=f"{self._activity_id(request)}/open",
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )
        self._opened.add(task.id)
        if opened.simulated_result is not None:
            # The field-workforce simulator: a technician who always finishes the job.
            await workflow.sleep(timedelta(milliseconds=opened.simulated_delay_ms))
            if view.state != "completed":
                view.state, view.assignee = "completed", "field-workforce-simulator"
                view.result = opened.simulated_result
        await workflow.wait_condition(lambda: view.state == "completed" or self._cancelled(task.id))
        if view.state != "completed":
            self._stop_if_withdrawn(task.id)
        await self._record_manual(view, request, task_ref=opened.task_ref)
        return dict(view.result or {})

    def _activity_id(self, request: RunTask) -> str:
        run = request.idempotency_key.rsplit("/", 1)[-1]
        name = request.task.id if run == "1" else f"{request.task.id}#{run}"
        # Activity ids are unique in a workflow: later tries after a hold or fallout count up.
        tries = self._held.get(request.task.id, 0) + self._failures.get(request.task.id, 0)
        return name if tries == 0 else f"{name}@{tries + 1}"

    async def _record_manual(
        self, view: ManualTaskView, request: RunTask, task_ref: str | None = None
    ) -> None:
        await workflow.execute_activity(
            "work_queue.update_task",
            CloseManualTaskInput(
                order_id=self._input.order_id,
                task_ref=task_ref or manual_task_ref(request.idempotency_key),
                state=view.state,
                assignee=view.assignee,
                result=view.result,
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )
