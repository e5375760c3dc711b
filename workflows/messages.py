"""What the order workflow and its domain-order children say to each other, and to the API.

Pure pydantic: safe inside the workflow sandbox, and the API builds the same models.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from decomposition.plan import DomainOrder, PlanTask
from tmf.cancel_order import CancelProductOrder
from workflows.policy import OrderPolicy

# The error type of a task its domain order withdrew (not a failure of the task itself).
TASK_CANCELLED = "TaskCancelled"


class DomainOrderResult(BaseModel):
    domain_order_id: str
    tasks_run: int


class RunTask(BaseModel):
    """Parent -> child: run this task now (its dependencies are done)."""

    task: PlanTask
    # The key of this task's effect: retries reuse it, a redo after an amendment gets a new one.
    idempotency_key: str
    wait_until: datetime | None = None


class RunTasks(BaseModel):
    """Parent -> child: the tasks of this domain order that became ready together (one signal)."""

    tasks: list[RunTask]


class DomainOrderInput(BaseModel):
    order_id: str
    parent_workflow_id: str
    domain_order: DomainOrder
    policy: OrderPolicy = Field(default_factory=OrderPolicy)
    # The tasks that made the parent start this child: carried in the start, not signalled after
    # it, which saves a round trip through the server per child.
    tasks: list[RunTask] = Field(default_factory=list)


class TaskFinished(BaseModel):
    """Child -> parent: a task ended, well or not."""

    task_id: str
    succeeded: bool
    started_at: datetime
    ended_at: datetime
    result: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None
    skipped_by: str | None = None  # the agent who did the work by hand after a fallout


class TaskHeld(BaseModel):
    """Child -> parent: a task waits for its system to be back online (not fallout), or resumed."""

    task_id: str
    held: bool
    reason: str | None = None


class FalloutNotice(BaseModel):
    """Child -> parent: a task fell out, or an agent acted on its fallout case."""

    task_id: str
    case_id: str
    state: str  # open | inProgress | resolved
    action: str  # opened | assign | retry | skip | fail
    actor: str | None = None
    actor_role: str | None = None
    assignee: str | None = None
    note: str | None = None
    error_type: str | None = None
    error: str | None = None


class FalloutAction(StrEnum):
    ASSIGN = "assign"
    RETRY = "retry"
    SKIP = "skip"
    FAIL = "fail"


class FalloutDecision(BaseModel):
    """An agent's decision on a fallout case, sent to the workflow that owns the task."""

    task_id: str
    action: FalloutAction
    # The case's assignee after an `assign`; for other actions, who decided.
    agent: str = Field(min_length=1, max_length=200)
    # Who decided, when not the agent (a manager assigning a case to someone else), and as
    # which role; optional: older histories lack them.
    actor: str | None = None
    actor_role: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    # retry: corrected task data, merged into the task's params.
    params: dict[str, Any] = Field(default_factory=dict)
    # skip: the result of the work the agent did by hand.
    result: dict[str, Any] = Field(default_factory=dict)
    # How many times the case had failed when the agent decided: a decision made on an earlier
    # failure (the case failed again meanwhile) is refused. None: whatever the case is now.
    case_failures: int | None = None


class FalloutView(BaseModel):
    task_id: str
    case_id: str
    state: str
    assignee: str | None = None
    resolution: str | None = None


class ClaimManualTask(BaseModel):
    task_id: str
    assignee: str = Field(min_length=1, max_length=200)


class CompleteManualTask(BaseModel):
    task_id: str
    result: dict[str, Any] = Field(default_factory=dict)
    completed_by: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ReassignManualTask(BaseModel):
    """A fulfillment manager hands a task (open or claimed by someone else) to another person,
    or takes it over: `actor` is the token's subject, `assignee` who works it from now on."""

    task_id: str
    assignee: str = Field(min_length=1, max_length=200)
    actor: str = Field(min_length=1, max_length=200)
    actor_role: str | None = None
    reason: str | None = Field(default=None, max_length=2000)


class TaskReassigned(BaseModel):
    """A domain order tells its order that a manual task changed hands (the order's history)."""

    task_id: str
    assignee: str
    previous: str | None = None
    actor: str
    actor_role: str | None = None
    reason: str | None = None


class ManualTaskView(BaseModel):
    """A manual task as its owning workflow sees it."""

    task_id: str
    state: str  # open | claimed | completed
    assignee: str | None = None
    result: dict[str, Any] | None = None


class ProvideInformation(BaseModel):
    """Missing characteristics for an item whose decomposition waits for them (staggered)."""

    item_id: str
    characteristics: dict[str, Any] = Field(min_length=1)
    provided_by: str | None = Field(default=None, max_length=200)
    actor_role: str | None = None


class AmendOrder(BaseModel):
    """A JSON merge patch of the order, from PATCH /productOrder/{id}."""

    patch: dict[str, Any]
    actor: str | None = Field(default=None, max_length=200)
    # The role under which the actor acted (the token's); optional: older histories lack it.
    actor_role: str | None = None
    reason: str | None = Field(default=None, max_length=2000)
    # The order's version the client last saw (If-Match); another version refuses the patch.
    expected_version: int | None = None


class ReviewAction(StrEnum):
    APPROVE = "approve"  # an approver lets an order that waits for approval go ahead
    REJECT = "reject"  # ... or rejects it (a reason is required)
    RELEASE = "release"  # an agent lets a suspected duplicate go ahead


class ReviewDecision(BaseModel):
    """A person decides the review an order waits for (workflows/order/review.py)."""

    action: ReviewAction
    actor: str | None = Field(default=None, max_length=200)
    actor_role: str | None = None
    reason: str | None = Field(default=None, max_length=2000)


class OverridePointOfNoReturn(BaseModel):
    """A fulfillment manager lifts an item's soft point of no return."""

    item_id: str
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    actor_role: str | None = None


class CancelOrder(BaseModel):
    cancellation: CancelProductOrder
    # Who asked (the token's subject and role); optional: older histories lack them.
    actor: str | None = None
    actor_role: str | None = None


class CancelTasks(BaseModel):
    """Parent -> child: stop these tasks (the order is being cancelled)."""

    task_ids: list[str]


class UpdateTaskData(BaseModel):
    """Parent -> child: an amendment changed an open manual job's data; the worker sees a note."""

    task_id: str
    params: dict[str, Any]
    note: str
