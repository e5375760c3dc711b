"""DomainOrderWorkflow: runs the tasks of one product, service or resource order.

The parent order workflow decides *when* a task may run (it holds the whole DAG, so dependencies
across domains hold); this child decides *how*: activity, manual work item, milestone or timer.
Its id reads `order-<id>/<domain order id>` in the Temporal UI.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.southbound.contract import SouthboundRequest, SouthboundResult
    from activities.work_queue import (
        CloseManualTaskInput,
        OpenManualTaskInput,
        OpenManualTaskResult,
    )
    from decomposition.catalog import TaskKind
    from decomposition.plan import PlanTask
    from workflows.messages import (
        ClaimManualTask,
        CompleteManualTask,
        DomainOrderInput,
        DomainOrderResult,
        ManualTaskView,
        RunTask,
        TaskFinished,
    )
    from workflows.result_validation import result_errors

WORK_QUEUE_TIMEOUT = timedelta(seconds=10)
# An automated task may take a while in a real system; past this the attempt is retried.
MIN_ACTIVITY_TIMEOUT = timedelta(seconds=30)


def retry_policy_for(task: PlanTask) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=task.retry.initial_interval_seconds),
        backoff_coefficient=task.retry.backoff,
        maximum_attempts=task.retry.max_attempts,
        maximum_interval=timedelta(minutes=5),
        non_retryable_error_types=task.retry.non_retryable_errors,
    )


@workflow.defn(name="DomainOrder")
class DomainOrderWorkflow:
    @workflow.init
    def __init__(self, input: DomainOrderInput) -> None:
        self._input = input
        self._queue: list[RunTask] = []
        self._running: set[str] = set()
        self._closing = False
        self._tasks_run = 0
        self._manual: dict[str, ManualTaskView] = {}
        self._manual_runs: dict[str, RunTask] = {}

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
            self._tasks_run += 1
            asyncio.create_task(self._execute(request))  # noqa: RUF006 (awaited via _running)
        return DomainOrderResult(domain_order_id=input.domain_order.id, tasks_run=self._tasks_run)

    @workflow.signal(name="run_task")
    def run_task(self, request: RunTask) -> None:
        self._queue.append(request)

    @workflow.signal(name="close")
    def close(self) -> None:
        self._closing = True

    @workflow.query(name="manual_tasks")
    def manual_tasks(self) -> list[ManualTaskView]:
        return list(self._manual.values())

    @workflow.update(name="claim_manual_task")
    async def claim_manual_task(self, claim: ClaimManualTask) -> ManualTaskView:
        view = self._manual[claim.task_id]
        view.state = "claimed"
        view.assignee = claim.assignee
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

    async def _execute(self, request: RunTask) -> None:
        task = request.task
        started = workflow.now()
        outcome: TaskFinished
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
            outcome = TaskFinished(
                task_id=task.id,
                succeeded=False,
                started_at=started,
                ended_at=workflow.now(),
                error=str(cause or err),
                error_type=cause.type if isinstance(cause, ApplicationError) else None,
            )
        finally:
            self._running.discard(task.id)
        parent = workflow.get_external_workflow_handle(self._input.parent_workflow_id)
        await parent.signal("task_finished", outcome)

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
            return {"waitedUntil": request.wait_until.isoformat()}
        if task.kind == TaskKind.MILESTONE:
            return {"milestone": task.milestone or task.name}
        return {}

    async def _call_system(self, request: RunTask) -> dict[str, object]:
        task = request.task
        assert task.activity is not None, f"automated task {task.id} names no system"
        timeout = max(MIN_ACTIVITY_TIMEOUT, timedelta(seconds=task.expected_duration_seconds * 2))
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
            start_to_close_timeout=timeout,
            retry_policy=retry_policy_for(task),
        )
        return {"reference": result.reference, **result.data}

    async def _manual_task(self, request: RunTask) -> dict[str, object]:
        task = request.task
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
        view = ManualTaskView(task_id=task.id, state="open")
        self._manual[task.id] = view
        self._manual_runs[task.id] = request
        if opened.simulated_result is not None:
            # The field-workforce simulator: a technician who always finishes the job.
            await workflow.sleep(timedelta(milliseconds=opened.simulated_delay_ms))
            if view.state != "completed":
                view.state, view.assignee = "completed", "field-workforce-simulator"
                view.result = opened.simulated_result
        await workflow.wait_condition(lambda: view.state == "completed")
        await self._record_manual(view, request, task_ref=opened.task_ref)
        return dict(view.result or {})

    @staticmethod
    def _activity_id(request: RunTask) -> str:
        run = request.idempotency_key.rsplit("/", 1)[-1]
        return request.task.id if run == "1" else f"{request.task.id}#{run}"

    async def _record_manual(
        self, view: ManualTaskView, request: RunTask, task_ref: str | None = None
    ) -> None:
        from activities.work_queue import manual_task_ref

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
