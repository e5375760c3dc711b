"""Every activity a domain order runs, named by its function (a renamed activity is a type error,
not a task no worker polls for), and its messages to the parent order. The order of commands is
the recorded histories': change it only behind `workflow.patched`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.fallout import (
        FalloutDecisionInput,
        OpenFalloutInput,
        open_fallout_case,
        record_fallout_decision,
    )
    from activities.southbound.contract import SYSTEM_OFFLINE, SouthboundRequest, SouthboundResult
    from activities.work_queue import (
        CloseManualTaskInput,
        OpenManualTaskInput,
        OpenManualTaskResult,
        manual_task_ref,
        open_manual_task,
        update_manual_task,
    )
    from decomposition.plan import PlanTask
    from workflows.domain_order_book import DomainOrderBook
    from workflows.messages import (
        DomainOrderInput,
        FalloutAction,
        FalloutDecision,
        FalloutNotice,
        FalloutView,
        ManualTaskView,
        RunTask,
        TaskFinished,
        TaskHeld,
        TaskReassigned,
    )
    from workflows.ui_text import activity_summary, domain_order_current_details

WORK_QUEUE_TIMEOUT = timedelta(seconds=10)


def retry_policy_for(task: PlanTask) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=task.retry.initial_interval_seconds),
        backoff_coefficient=task.retry.backoff,
        maximum_attempts=task.retry.max_attempts,
        maximum_interval=timedelta(minutes=5),
        # An offline system is waited for by the workflow (a hold), not retried into fallout.
        non_retryable_error_types=[*task.retry.non_retryable_errors, SYSTEM_OFFLINE],
    )


class DomainOrderEffects:
    def __init__(self, input: DomainOrderInput) -> None:
        self._input = input

    async def call_system(self, request: RunTask, activity_id: str) -> SouthboundResult:
        task = request.task
        assert task.activity is not None, f"automated task {task.id} names no system"
        return await workflow.execute_activity(
            task.activity,  # a catalog name: no function to name it by
            SouthboundRequest(
                idempotency_key=request.idempotency_key,
                order_id=self._input.order_id,
                item_id=task.item_id,
                task_id=task.id,
                params=task.params,
            ),
            result_type=SouthboundResult,
            # The task id reads well in the Temporal UI and ties history events to the plan.
            activity_id=activity_id,
            start_to_close_timeout=timedelta(
                seconds=self._input.policy.southbound_attempt_timeout_seconds
            ),
            retry_policy=retry_policy_for(task),
            summary=activity_summary(task),
        )

    async def open_work_item(self, request: RunTask, activity_id: str) -> OpenManualTaskResult:
        task = request.task
        return await workflow.execute_activity(
            open_manual_task,
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
            activity_id=activity_id,
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
            summary=activity_summary(task, "work_queue.open_task"),
        )

    async def update_work_item(
        self,
        task_ref: str,
        state: str,
        *,
        assignee: str | None = None,
        result: dict[str, Any] | None = None,
        note: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        await workflow.execute_activity(
            update_manual_task,
            CloseManualTaskInput(
                order_id=self._input.order_id,
                task_ref=task_ref,
                state=state,
                assignee=assignee,
                result=result,
                note=note,
                params=params,
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )

    async def record_manual(
        self,
        view: ManualTaskView,
        request: RunTask,
        task_ref: str | None = None,
        note: str | None = None,
    ) -> None:
        await self.update_work_item(
            task_ref or manual_task_ref(request.idempotency_key),
            view.state,
            assignee=view.assignee,
            result=view.result,
            note=note,
        )

    async def withdraw(self, request: RunTask, case: FalloutView | None, manual: bool) -> None:
        """The order stopped the task: its fallout case and work item close."""
        if case is not None:
            # Nobody has to decide on work the order no longer wants: the case closes.
            await self.record_fallout_decision(
                case.case_id,
                f"{case.case_id}/withdrawn",
                "withdrawn",
                "tessera",
                "withdrawn: the order was cancelled",
                "resolved",
            )
        if manual:
            await self.update_work_item(
                manual_task_ref(request.idempotency_key),
                "cancelled",
                note="withdrawn: the order was cancelled",
            )

    async def record_decision(self, view: FalloutView, decision: FalloutDecision) -> None:
        """An agent's decision on a case: in the store (the case's history), then the order's."""
        assigned = decision.action == FalloutAction.ASSIGN
        await self.record_fallout_decision(
            view.case_id,
            f"{view.case_id}/{workflow.uuid4()}",
            decision.action.value,
            decision.actor or decision.agent,
            decision.note,
            view.state,
            view.assignee if assigned else None,
        )
        await self.tell_parent(
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

    @staticmethod
    def show_waits(book: DomainOrderBook) -> None:
        """Refresh what the Temporal UI shows this domain order waiting for."""
        requests = list(book.running_requests.values())
        workflow.set_current_details(
            domain_order_current_details(
                [r.task for r in requests],
                {r.task.id: r.wait_until for r in requests},
                manual_open=book.opened,
                fallout=set(book.fallout),
                held=set(book.held),
            )
        )

    async def open_fallout_case(
        self,
        request: RunTask,
        case_id: str,
        failures: int,
        error_type: str | None,
        message: str,
        attempts: int,
    ) -> None:
        """Open the case, or record one more failure on it (one key per failure)."""
        task = request.task
        await workflow.execute_activity(
            open_fallout_case,
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
                attempts=attempts,
                failed_at=workflow.now(),
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )

    async def record_fallout_decision(
        self,
        case_id: str,
        key: str,
        action: str,
        actor: str,
        note: str | None,
        state: str,
        assignee: str | None = None,
    ) -> None:
        await workflow.execute_activity(
            record_fallout_decision,
            FalloutDecisionInput(
                case_id=case_id,
                decision_key=key,
                order_id=self._input.order_id,
                action=action,
                actor=actor,
                note=note,
                state=state,
                assignee=assignee,
            ),
            start_to_close_timeout=WORK_QUEUE_TIMEOUT,
        )

    async def tell_parent(
        self, message: TaskFinished | TaskHeld | FalloutNotice | TaskReassigned
    ) -> None:
        """The order's signals by name: importing the order workflow here would be circular."""
        signal = {
            TaskFinished: "task_finished",
            TaskHeld: "task_held",
            FalloutNotice: "fallout_changed",
            TaskReassigned: "task_reassigned",
        }
        parent = workflow.get_external_workflow_handle(self._input.parent_workflow_id)
        await parent.signal(signal[type(message)], message)
