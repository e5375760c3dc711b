"""What one domain order knows about its tasks, and what it refuses. Pure: no Temporal call.

The tasks queued and running, the manual work items and fallout cases open, the pauses of tasks
whose system is offline, the tasks the order withdrew. `DomainOrderWorkflow` runs the tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from decomposition.plan import PlanTask
from workflows.messages import (
    TASK_CANCELLED,
    ClaimManualTask,
    CompleteManualTask,
    FalloutAction,
    FalloutDecision,
    FalloutNotice,
    FalloutView,
    ManualTaskView,
    ReassignManualTask,
    RunTask,
    TaskFinished,
    TaskReassigned,
    UpdateTaskData,
)
from workflows.policy import OrderPolicy
from workflows.refusal import Refusal
from workflows.result_validation import result_errors


class DomainOrderBook:
    def __init__(self, tasks: list[RunTask]) -> None:
        self.queue: list[RunTask] = list(tasks)
        self.running: set[str] = set()
        self.running_requests: dict[str, RunTask] = {}
        self.closing = False
        self.tasks_run = 0
        self.manual: dict[str, ManualTaskView] = {}
        self.manual_runs: dict[str, RunTask] = {}
        self.opened: set[str] = set()  # manual tasks whose work item is in the store
        self.held: dict[str, int] = {}  # task id -> pauses so far while its system is offline
        self.failures: dict[str, int] = {}  # task id -> times it fell out
        self.fallout: dict[str, FalloutView] = {}  # task id -> its open case
        self.fallout_stored: set[str] = set()  # tasks whose open case is in the store
        # Tasks the order withdrew. Kept apart from asyncio cancellation, which the SDK drops
        # when it lands on an operation that completed in the same activation.
        self.withdrawn: set[str] = set()
        self.decisions: dict[str, FalloutDecision] = {}
        # Tasks whose retry, skip or fail is accepted and under way: a second one is refused.
        self.deciding: set[str] = set()
        self.case_failures: dict[str, int] = {}  # case id -> times it opened (the store's count)
        # Outcomes not yet reported (batched reports): sent together once this workflow task's
        # other tasks have ended too; `reporting` counts the signals under way.
        self.outbox: list[TaskFinished] = []
        self.reporting = 0

    def idle(self) -> bool:
        """Nothing queued, running or left to report: the domain order may close."""
        return not self.queue and not self.running and not self.outbox and not self.reporting

    def start_next(self) -> RunTask:
        request = self.queue.pop(0)
        self.running.add(request.task.id)
        self.running_requests[request.task.id] = request
        self.tasks_run += 1
        return request

    def ended(self, task_id: str) -> None:
        self.running.discard(task_id)
        self.running_requests.pop(task_id, None)
        self.withdrawn.discard(task_id)

    def activity_id(self, request: RunTask) -> str:
        """The task id (and its run after a redo), readable in the Temporal UI; activity ids are
        unique in a workflow, so later tries after a hold or fallout count up."""
        run = request.idempotency_key.rsplit("/", 1)[-1]
        name = request.task.id if run == "1" else f"{request.task.id}#{run}"
        tries = self.held.get(request.task.id, 0) + self.failures.get(request.task.id, 0)
        return name if tries == 0 else f"{name}@{tries + 1}"

    def next_offline_pause(self, task_id: str, policy: OrderPolicy) -> timedelta:
        """Pauses grow by half each time, up to the policy's maximum."""
        pause = timedelta(
            seconds=min(
                policy.offline_first_pause_seconds * (1.5 ** self.held[task_id]),
                policy.offline_max_pause_seconds,
            )
        )
        self.held[task_id] += 1
        return pause

    # -- manual work items ---------------------------------------------------------------------

    def open_manual(self, request: RunTask) -> ManualTaskView:
        """Known before the work item is stored: a technician who sees it in the queue at once
        can claim or complete it."""
        view = ManualTaskView(task_id=request.task.id, state="open")
        self.manual[request.task.id] = view
        self.manual_runs[request.task.id] = request
        return view

    def new_task_data(self, request: UpdateTaskData) -> tuple[RunTask, ManualTaskView] | None:
        """An open or claimed job runs with new data from now on; None when there is no such
        job. The run returned is the one its work item was opened under."""
        run = self.manual_runs.get(request.task_id)
        view = self.manual.get(request.task_id)
        if run is None or view is None or view.state == "completed":
            return None
        task = run.task.model_copy(update={"params": request.params})
        self.manual_runs[request.task_id] = run.model_copy(update={"task": task})
        return run, view

    def claim(self, claim: ClaimManualTask) -> ManualTaskView:
        view = self.manual[claim.task_id]
        view.state, view.assignee = "claimed", claim.assignee
        return view

    def complete(self, completion: CompleteManualTask) -> ManualTaskView:
        view = self.manual[completion.task_id]
        view.state, view.result = "completed", completion.result
        view.assignee = view.assignee or completion.completed_by
        return view

    def reassign(self, request: ReassignManualTask) -> str | None:
        """The job is the new assignee's from now on (claimed in its name); the previous one."""
        view = self.manual[request.task_id]
        previous = view.assignee
        view.state, view.assignee = "claimed", request.assignee
        return previous

    def check_reassign(self, request: ReassignManualTask) -> None:
        view = self.manual.get(request.task_id)
        if view is None or view.state == "completed":
            raise Refusal("InvalidState", f"task {request.task_id} is not open")
        if view.state == "claimed" and view.assignee == request.assignee:
            raise Refusal("InvalidState", f"task {request.task_id} is already {view.assignee}'s")

    def check_claim(self, claim: ClaimManualTask) -> None:
        view = self.manual.get(claim.task_id)
        if view is None or view.state == "completed":
            raise Refusal("InvalidState", f"task {claim.task_id} is not open")
        if view.state == "claimed" and view.assignee != claim.assignee:
            raise Refusal(
                "InvalidState", f"task {claim.task_id} is already claimed by {view.assignee}"
            )

    def check_completion(self, completion: CompleteManualTask) -> None:
        view = self.manual.get(completion.task_id)
        if view is None or view.state == "completed":
            raise Refusal("InvalidState", f"task {completion.task_id} is not open")
        schema = self.manual_runs[completion.task_id].task.result_schema
        errors = result_errors(schema, completion.result)
        if errors:
            raise Refusal("InvalidResult", "; ".join(errors))

    # -- fallout ---------------------------------------------------------------------------------

    def open_case(self, task_id: str, case_id: str) -> int:
        """The task fell out (again): its case is known before it is stored, so a decision
        arriving at once is accepted. The number of times the task fell out."""
        failures = self.failures.get(task_id, 0) + 1
        self.failures[task_id] = failures
        self.fallout[task_id] = FalloutView(task_id=task_id, case_id=case_id, state="open")
        self.case_opened(task_id, case_id)
        return failures

    def take_decision(self, task_id: str) -> FalloutDecision:
        """The decision that ends the task's wait; its case is closed here."""
        decision = self.decisions.pop(task_id)
        del self.fallout[task_id]
        self.fallout_stored.discard(task_id)
        return decision

    def withdraw_case(self, task_id: str) -> FalloutView | None:
        """The order no longer wants the task: its open case, if any, to close."""
        self.fallout_stored.discard(task_id)
        return self.fallout.pop(task_id, None)

    def begin_decision(self, decision: FalloutDecision) -> FalloutView:
        """Before any await: the next validator sees a retry, skip or fail under way."""
        if decision.action != FalloutAction.ASSIGN:
            self.deciding.add(decision.task_id)
        return self.fallout[decision.task_id]

    @staticmethod
    def apply_decision(view: FalloutView, decision: FalloutDecision) -> None:
        if decision.action == FalloutAction.ASSIGN:
            view.state, view.assignee = "inProgress", decision.agent
        else:
            view.state, view.resolution = "resolved", decision.action.value

    def case_opened(self, task_id: str, case_id: str) -> None:
        """The task's case opened, or reopened after a retry failed: it waits for a decision."""
        self.deciding.discard(task_id)
        self.case_failures[case_id] = self.case_failures.get(case_id, 0) + 1

    def check_decision(self, decision: FalloutDecision) -> None:
        """One decision per failure: none while another is under way, and none made on an
        earlier failure of the case (it failed again before the decision arrived)."""
        view = self.fallout.get(decision.task_id)
        taken = decision.task_id in self.decisions or decision.task_id in self.deciding
        if view is None or view.state == "resolved" or taken:
            raise Refusal("InvalidState", f"task {decision.task_id} has no open fallout case")
        failures = self.case_failures.get(view.case_id)
        if decision.case_failures not in {None, failures}:
            raise Refusal("InvalidState", f"the case has failed again ({failures})")
        if decision.action == FalloutAction.SKIP:
            run = self.running_requests.get(decision.task_id)
            schema = run.task.result_schema if run else None
            if not decision.result and not schema:
                raise Refusal("InvalidResult", "skip needs the result of the work done by hand")
            errors = result_errors(schema, decision.result)
            if errors:
                raise Refusal("InvalidResult", "; ".join(errors))


def succeeded_outcome(
    task_id: str, started: datetime, now: datetime, result: dict[str, object]
) -> TaskFinished:
    return TaskFinished(
        task_id=task_id, succeeded=True, started_at=started, ended_at=now, result=result
    )


def decided_outcome(
    decision: FalloutDecision,
    task_id: str,
    started: datetime,
    now: datetime,
    error: str,
    error_type: str | None,
) -> TaskFinished:
    """What a skip or a fail makes of the task (a retry runs it again instead)."""
    if decision.action == FalloutAction.SKIP:
        return TaskFinished(
            task_id=task_id,
            succeeded=True,
            started_at=started,
            ended_at=now,
            result=decision.result,
            skipped_by=decision.agent,
        )
    return TaskFinished(
        task_id=task_id,
        succeeded=False,
        started_at=started,
        ended_at=now,
        error=decision.note or error,
        error_type=error_type,
    )


def cancelled_outcome(task_id: str, started: datetime, now: datetime) -> TaskFinished:
    return TaskFinished(
        task_id=task_id,
        succeeded=False,
        started_at=started,
        ended_at=now,
        error="cancelled with the order",
        error_type=TASK_CANCELLED,
    )


def fallout_opened(
    task_id: str, case_id: str, error_type: str | None, message: str
) -> FalloutNotice:
    """What the parent is told when a task falls out: its order shows the open case."""
    return FalloutNotice(
        task_id=task_id,
        case_id=case_id,
        state="open",
        action="opened",
        error_type=error_type,
        error=message,
    )


def reassigned_notice(request: ReassignManualTask, previous: str | None) -> TaskReassigned:
    """What the parent is told when a manager hands a job to someone else: its history says who."""
    return TaskReassigned(
        task_id=request.task_id,
        assignee=request.assignee,
        previous=previous,
        actor=request.actor,
        actor_role=request.actor_role,
        reason=request.reason,
    )


def finish_simulated(view: ManualTaskView, result: dict[str, object]) -> None:
    """The field-workforce simulator's technician finished the job (unless someone did first)."""
    if view.state != "completed":
        view.state, view.assignee = "completed", "field-workforce-simulator"
        view.result = result


def close_at_deadline(view: ManualTaskView, task: PlanTask) -> None:
    """Nothing received by the deadline: the job closes with the result the plan gave for it."""
    view.state, view.assignee = "completed", "tessera"
    view.result = dict(task.params.get("resultAtDeadline") or {})


# Issue 25: a manual task with a `deadline` param (a return's window) closes itself then.
MANUAL_DEADLINE_PATCH = "manual-task-deadline"


def manual_deadline(task: PlanTask) -> datetime | None:
    """A manual task's deadline, from its params; None when it has none (or not a date)."""
    value = task.params.get("deadline")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
