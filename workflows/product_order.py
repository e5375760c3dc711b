"""ProductOrderWorkflow: one durable workflow per TMF622 product order (`order-<id>`).

Order states (TMF622): acknowledged -> inProgress -> completed | partial | failed, or
acknowledged -> rejected. The workflow owns the order and its plan: it decides when each task
may run (dependencies hold across domains) and hands it to the domain order's child workflow.
The store is the order's projection, written through `store.save_order`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, ValidationError
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.order_planning import ExtendPlanInput, PlanOrderInput, PlanOrderResult
    from activities.order_store import SaveCancellationInput, SaveOrderInput
    from activities.southbound.contract import SouthboundRequest, SouthboundResult
    from decomposition.catalog import TaskKind, WaitSource
    from decomposition.plan import DomainOrder, Plan, PlanTask
    from decomposition.pricing import product_prices
    from tmf.cancel_order import CancelProductOrder, CancelState
    from tmf.common import Characteristic, OrderPrice, iso_z
    from tmf.events import EventType, OrderEvent
    from tmf.merge_patch import merge_patch
    from tmf.product_order import (
        Amendment,
        DomainOrderRef,
        ItemState,
        Milestone,
        OrderErrorMessage,
        OrderJeopardy,
        OrderState,
        ProductOrder,
        ProductOrderItem,
        ProductRefOrValue,
        TaskAtRisk,
    )
    from workflows import search_attributes as sa
    from workflows.amendment import plan_delta
    from workflows.domain_order import TASK_CANCELLED, DomainOrderWorkflow
    from workflows.jeopardy import Assessment, JeopardyLevel, assess
    from workflows.messages import (
        AmendOrder,
        CancelOrder,
        CancelTasks,
        DomainOrderInput,
        DomainOrderResult,
        FalloutNotice,
        OverridePointOfNoReturn,
        ProvideInformation,
        RunTask,
        RunTasks,
        TaskFinished,
        TaskHeld,
        UpdateTaskData,
    )
    from workflows.plan_execution import ACTIVE, PlanExecution, TaskRun, TaskStatus
    from workflows.plan_view import OrderPlanView, order_plan_view
    from workflows.policy import OrderPolicy
    from workflows.start_gate import until_start


class ProductOrderInput(BaseModel):
    order: ProductOrder
    policy: OrderPolicy = Field(default_factory=OrderPolicy)


class ProductOrderResult(BaseModel):
    order_id: str
    state: OrderState


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


def workflow_id_for(order_id: str) -> str:
    return f"order-{order_id}"


def child_workflow_id(order_id: str, domain_order_id: str) -> str:
    return f"{workflow_id_for(order_id)}/{domain_order_id}"


def order_memo(order: ProductOrder) -> dict[str, object]:
    """What the Temporal UI shows about an order at a glance."""
    offerings = sorted(
        {
            i.product_offering.name or i.product_offering.id
            for i in order.product_order_item
            if i.product_offering
        }
    )
    customer = order.customer_id() or "unknown customer"
    return {
        "summary": f"{len(order.product_order_item)} item(s) for {customer}",
        "externalId": order.external_id or "",
        "offerings": offerings,
        "href": order.href,
    }


@workflow.defn(name="ProductOrder")
class ProductOrderWorkflow:
    @workflow.init
    def __init__(self, input: ProductOrderInput) -> None:
        # Set here, not in run(): queries and updates may arrive before run() starts.
        self._order = input.order.model_copy(deep=True)
        self._policy = input.policy
        self._revision = 0
        self._jeopardy: Assessment | None = None
        # While an amendment or cancellation is assessed, jeopardy waits (it would be stale).
        self._assessing = False
        # Amendments and the cancellation change the plan one at a time.
        self._change_lock = asyncio.Lock()
        # Tasks an amendment removed or changed while they ran: undone (and redone) once finished.
        self._retired: dict[str, tuple[PlanTask, TaskRun]] = {}
        self._redo: set[str] = set()
        self._undo_queue: list[tuple[PlanTask, TaskRun]] = []
        self._cancelled_items: set[str] = set()
        self._ponr_overrides: dict[str, str] = {}  # item id -> who lifted its soft PONR
        self._cancellation: CancelProductOrder | None = None
        self._cancel_revision = 0
        self._execution: PlanExecution | None = None
        self._children: dict[str, ChildWorkflowHandle[DomainOrderWorkflow, DomainOrderResult]] = {}
        self._inbox: list[TaskFinished | TaskHeld | FalloutNotice] = []
        self._fallout_count = 0
        self._hold_until_start = False  # set in run() for orders started since issue 26
        self._product_prices: dict[str, list[OrderPrice]] = {}  # by item id, kept by inventory
        self._plan_changed = False
        # Events since the last store write; written with the next snapshot (the outbox).
        self._events: list[OrderEvent] = []
        self._emit(EventType.ORDER_CREATE, "Order created")

    @workflow.run
    async def run(self, input: ProductOrderInput) -> ProductOrderResult:
        planned = await workflow.execute_activity(
            "decomposition.plan_order",
            PlanOrderInput(order=self._order),
            result_type=PlanOrderResult,
            start_to_close_timeout=PLANNING_TIMEOUT,
        )
        if planned.problems or planned.plan is None:
            await self._reject(planned)
            return self._result()

        self._order.catalog_version = planned.plan.catalog_version
        if planned.pricing is not None:
            self._order.order_total_price = planned.pricing.order_total_price
            self._product_prices = planned.pricing.product_price
            for item in self._order.product_order_item:
                item.item_price = planned.pricing.item_price.get(item.id)
        self._hold_until_start = workflow.patched("hold-until-requested-start")
        self._execution = PlanExecution.start(planned.plan, workflow.now())
        self._refresh_items()
        self._ask_for_missing_information()
        await self._move_to(OrderState.IN_PROGRESS)

        cancelled = await self._orchestrate(self._execution)

        if not cancelled:
            self._order.completion_date = workflow.now()
            self._clear_jeopardy()
            await self._move_to(self._final_state())
        await self._close_children()
        return self._result()

    # -- messages ---------------------------------------------------------------------------

    @workflow.signal(name="task_finished")
    def task_finished(self, outcome: TaskFinished) -> None:
        self._inbox.append(outcome)

    @workflow.signal(name="task_held")
    def task_held(self, notice: TaskHeld) -> None:
        self._inbox.append(notice)

    @workflow.signal(name="fallout_changed")
    def fallout_changed(self, notice: FalloutNotice) -> None:
        self._inbox.append(notice)

    @workflow.query(name="get_order")
    def get_order(self) -> ProductOrder:
        return self._order

    @workflow.query(name="get_plan")
    def get_plan(self) -> OrderPlanView:
        """The plan with live task states: what /ops/v1/orders/{id}/plan and /timeline show."""
        return order_plan_view(self._order.id, self._order.state, self._execution)

    @workflow.update(name="provide_information")
    async def provide_information(self, info: ProvideInformation) -> ProductOrder:
        """Characteristics an item's decomposition waited for: plan only what was deferred."""
        assert self._execution is not None
        amended = self._order.model_copy(deep=True)
        item = amended.item(info.item_id)
        assert item is not None
        product = item.product or ProductRefOrValue()
        values = {**product.characteristic_values(), **info.characteristics}
        product.product_characteristic = [
            Characteristic(name=name, value=value) for name, value in values.items()
        ]
        item.product = product
        extended = await self._replan(
            "decomposition.extend_plan", ExtendPlanInput(order=amended, plan=self._execution.plan)
        )
        assert extended.plan is not None
        self._order.product_order_item = amended.product_order_item
        self._execution.plan = extended.plan
        self._execution.add_runs(workflow.now())
        self._plan_changed = True
        self._emit(
            EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
            f"Information supplied for item {info.item_id}",
            actor=info.provided_by,
            itemId=info.item_id,
            characteristics=sorted(info.characteristics),
        )
        self._refresh_items()
        self._ask_for_missing_information()
        await self._persist()
        return self._order

    def _require_open(self) -> None:
        """Validators refuse any change to a closed order, before it reaches history."""
        if self._order.state.is_final:
            raise ApplicationError(f"the order is {self._order.state.value}", type="InvalidState")

    @provide_information.validator
    def _validate_information(self, info: ProvideInformation) -> None:
        self._require_open()
        if self._execution is None:
            raise ApplicationError("the order is not planned yet", type="InvalidState")
        if self._order.item(info.item_id) is None:
            raise ApplicationError(f"no item '{info.item_id}' in the order", type="NotFound")
        if not any(
            d.root_item_id == info.item_id or d.item_id == info.item_id
            for d in self._execution.plan.deferred
        ):
            raise ApplicationError(
                f"item '{info.item_id}' is not waiting for information", type="InvalidState"
            )

    # -- amendments -------------------------------------------------------------------------

    @workflow.update(name="amend_order")
    async def amend_order(self, request: AmendOrder) -> ProductOrder:
        """PATCH in flight: re-plan, then discard, undo, redo or add task by task."""
        async with self._change_lock:
            self._assessing = True
            try:
                return await self._amend(request)
            finally:
                self._assessing = False
                self._plan_changed = True

    @amend_order.validator
    def _validate_amendment(self, request: AmendOrder) -> None:
        self._require_open()
        if self._cancellation is not None and self._cancellation.state in {
            CancelState.ACKNOWLEDGED,
            CancelState.IN_PROGRESS,
        }:
            if self._order.state != OrderState.IN_PROGRESS or self._cancel_due():
                raise ApplicationError("the order is being cancelled", type="InvalidState")
        if self._execution is None:
            raise ApplicationError("the order is not planned yet", type="InvalidState")
        try:
            amended = self._amended(request.patch)
        except (ValidationError, ValueError) as err:
            raise ApplicationError(str(err), type="Invalid") from err
        blocked = [i for i in self._affected_items(amended) if self._past_ponr(i)]
        if blocked:
            raise ApplicationError(
                f"item(s) {', '.join(blocked)} passed their point of no return",
                type="PointOfNoReturn",
            )

    @workflow.update(name="override_point_of_no_return")
    async def override_point_of_no_return(self, request: OverridePointOfNoReturn) -> ProductOrder:
        self._ponr_overrides[request.item_id] = request.actor
        self._emit(
            EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
            f"Point of no return of item {request.item_id} overridden",
            actor=request.actor,
            reason=request.reason,
            itemId=request.item_id,
        )
        await self._persist()
        return self._order

    @override_point_of_no_return.validator
    def _validate_override(self, request: OverridePointOfNoReturn) -> None:
        self._require_open()
        if self._order.item(request.item_id) is None:
            raise ApplicationError(f"no item '{request.item_id}' in the order", type="NotFound")
        if self._hard_ponr_passed(request.item_id):
            raise ApplicationError(
                f"item {request.item_id} is being recorded in inventory: a hard point of no "
                "return that no one can override",
                type="PointOfNoReturn",
            )

    def _amended(self, patch: dict[str, object]) -> ProductOrder:
        """The order as the merge patch makes it (pure, so the validator can run it too)."""
        current = self._order.to_tmf()
        current["productOrderItem"] = [
            i for i in current["productOrderItem"] if i["id"] not in self._cancelled_items
        ]
        return ProductOrder.model_validate(merge_patch(current, patch))

    @staticmethod
    def _item_request(item: ProductOrderItem) -> dict[str, object]:
        """What the customer asked of an item, without what the server added."""
        return item.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            exclude={
                "state",
                "item_price",
                "item_total_price",
                "domain_order",
                "point_of_no_return",
                "jeopardy",
            },
        )

    def _affected_items(self, amended: ProductOrder) -> list[str]:
        """Items the amendment removes or changes (added items affect nothing running)."""
        after = {i.id: self._item_request(i) for i in amended.product_order_item}
        return [
            item.id
            for item in self._order.product_order_item
            if item.id not in self._cancelled_items
            and after.get(item.id) != self._item_request(item)
        ]

    def _hard_ponr_passed(self, item_id: str) -> bool:
        assert self._execution is not None
        return any(
            t.hard_point_of_no_return and self._execution.runs[t.id].status != TaskStatus.PENDING
            for t in self._execution.plan.tasks
            if t.root_item_id == item_id
        )

    def _past_ponr(self, item_id: str) -> bool:
        assert self._execution is not None
        if self._hard_ponr_passed(item_id):
            return True
        soft = self._execution.point_of_no_return_passed(item_id)
        return soft and item_id not in self._ponr_overrides

    async def _replan(
        self, activity: str, arg: PlanOrderInput | ExtendPlanInput
    ) -> PlanOrderResult:
        """Decompose the changed order; its problems refuse the change (type Invalid)."""
        result = await workflow.execute_activity(
            activity, arg, result_type=PlanOrderResult, start_to_close_timeout=PLANNING_TIMEOUT
        )
        if result.problems or result.plan is None:
            reasons = "; ".join(p.reason for p in result.problems)
            raise ApplicationError(reasons or "the changed order cannot be planned", type="Invalid")
        return result

    async def _amend(self, request: AmendOrder) -> ProductOrder:
        assert self._execution is not None
        execution = self._execution
        amended = self._amended(request.patch)
        planned = await self._replan(
            "decomposition.plan_order",
            PlanOrderInput(order=amended, catalog_version=self._order.catalog_version),
        )
        assert planned.plan is not None
        old_plan = execution.plan
        delta = plan_delta(execution, planned.plan)
        # Undo what is no longer wanted, or wanted otherwise, latest first.
        undo_now = set(delta.compensated) | set(delta.redone)
        for task_id in reversed(old_plan.topological_order()):
            if task_id in undo_now:
                await self._undo(old_plan.task(task_id), execution.runs[task_id])
        # Running and no longer wanted: a wait or a manual job is withdrawn (nothing to undo);
        # a system call finishes, then is undone.
        withdrawn = [
            t for t in delta.retire_when_done if old_plan.task(t).kind != TaskKind.AUTOMATED
        ]
        for task_id in delta.retire_when_done:
            self._retired[task_id] = (old_plan.task(task_id), execution.runs[task_id])
        await self._withdraw(old_plan, withdrawn)
        # An open or claimed manual job keeps its worker: it gets the new data with a note.
        reworked = [t for t in delta.redo_when_done if old_plan.task(t).kind == TaskKind.MANUAL]
        for task_id in reworked:
            task = planned.plan.task(task_id)
            await self._children[task.domain_order_id].signal(
                DomainOrderWorkflow.update_task_data,
                UpdateTaskData(
                    task_id=task_id,
                    params=task.params,
                    note=f"order amended (version {self._order.version + 1}): check the new data",
                ),
            )
        self._redo |= {t for t in delta.redo_when_done if t not in reworked}
        runs: dict[str, TaskRun] = {}
        for task in planned.plan.tasks:
            run = execution.runs.get(task.id)
            if run is None:
                runs[task.id] = TaskRun(task_id=task.id)
            elif task.id in delta.redone:
                runs[task.id] = TaskRun(task_id=task.id, run=run.run + 1)
            else:
                runs[task.id] = run
        execution.plan = planned.plan
        execution.runs = runs
        execution.reschedule(workflow.now())

        before_ids = {
            i.id for i in self._order.product_order_item if i.id not in self._cancelled_items
        }
        after_ids = {i.id for i in amended.product_order_item}
        removed = sorted(before_ids - after_ids)
        changed = sorted(set(self._affected_items(amended)) - set(removed))
        kept = [
            i
            for i in self._order.product_order_item
            if i.id in self._cancelled_items or i.id in removed
        ]
        for item in kept:
            if item.id in removed:
                item.state = ItemState.CANCELLED
                self._cancelled_items.add(item.id)
        self._order.product_order_item = [*amended.product_order_item, *kept]
        for field in ("requested_completion_date", "requested_start_date", "description", "note"):
            setattr(self._order, field, getattr(amended, field))
        if planned.pricing is not None:
            self._order.order_total_price = planned.pricing.order_total_price
            self._product_prices = planned.pricing.product_price
            for item in self._order.product_order_item:
                if item.id not in self._cancelled_items:
                    item.item_price = planned.pricing.item_price.get(item.id)
        self._order.version += 1
        record = Amendment(
            version=self._order.version,
            date=workflow.now(),
            actor=request.actor,
            reason=request.reason,
            added_items=sorted(after_ids - before_ids),
            removed_items=removed,
            changed_items=changed,
            discarded=[*delta.discarded, *withdrawn],
            compensated=[
                *delta.compensated,
                *(t for t in delta.retire_when_done if t not in withdrawn),
            ],
            redone=[*delta.redone, *(t for t in delta.redo_when_done if t not in reworked)],
            updated=[*delta.updated, *reworked],
            added=delta.added,
        )
        self._order.amendment = [*(self._order.amendment or []), record]
        self._emit(
            EventType.ORDER_ATTRIBUTE_VALUE_CHANGE,
            f"Order amended (version {self._order.version})",
            actor=request.actor,
            reason=request.reason,
            amendment=record.model_dump(mode="json", by_alias=True),
        )
        self._refresh_items()
        await self._persist()
        return self._order

    # -- cancellation -------------------------------------------------------------------------

    @workflow.update(name="cancel_order")
    async def cancel_order(self, request: CancelOrder) -> CancelProductOrder:
        self._cancellation = request.cancellation.model_copy(deep=True)
        self._emit(
            EventType.CANCEL_CREATE,
            "Cancellation requested",
            reason=self._cancellation.cancellation_reason,
            cancelProductOrderId=self._cancellation.id,
        )
        await self._save_cancellation()
        self._plan_changed = True
        return self._cancellation

    @cancel_order.validator
    def _validate_cancellation(self, request: CancelOrder) -> None:
        self._require_open()
        if self._cancellation is not None and self._cancellation.state in {
            CancelState.ACKNOWLEDGED,
            CancelState.IN_PROGRESS,
        }:
            raise ApplicationError("a cancellation is already under way", type="InvalidState")

    def _cancel_due(self) -> bool:
        pending = self._cancellation
        if pending is None or pending.state != CancelState.ACKNOWLEDGED:
            return False
        when = pending.requested_cancellation_date
        return when is None or when <= workflow.now()

    def _until_next_check(self) -> timedelta | None:
        """The next jeopardy threshold, the requested start or cancellation date, whichever
        first."""
        checks = [self._until_next_jeopardy_check(), self._until_start()]
        waits = [w for w in checks if w is not None]
        pending = self._cancellation
        if pending is not None and pending.state == CancelState.ACKNOWLEDGED:
            if pending.requested_cancellation_date is not None:
                left = pending.requested_cancellation_date - workflow.now()
                waits.append(max(left, timedelta(milliseconds=1)))
        return min(waits) if waits else None

    def _until_start(self) -> timedelta | None:
        if not self._hold_until_start or self._execution is None:
            return None
        return until_start(self._order.requested_start_date, self._execution.plan, workflow.now())

    async def _try_to_cancel(self, execution: PlanExecution) -> bool:
        """Assess the cancellation: denied past a point of no return, else undo everything."""
        cancellation = self._cancellation
        assert cancellation is not None
        async with self._change_lock:
            self._assessing = True
            previous = self._order.state
            cancellation.state = CancelState.IN_PROGRESS
            await self._move_to(OrderState.ASSESSING_CANCELLATION)
            await self._save_cancellation()
            live = [
                i.id for i in self._order.product_order_item if i.id not in self._cancelled_items
            ]
            blocked = [i for i in live if self._past_ponr(i)]
            if blocked:
                cancellation.state = CancelState.TERMINATED_WITH_ERROR
                cancellation.error_message = (
                    f"PointOfNoReturn: item(s) {', '.join(blocked)} passed their point of no return"
                )
                self._assessing = False
                await self._move_to(previous)
                await self._save_cancellation()
                return False
            await self._move_to(OrderState.PENDING_CANCELLATION)
            await self._stop_active_tasks(execution)
            for task_id in reversed(execution.plan.topological_order()):
                run = execution.runs[task_id]
                if run.status == TaskStatus.COMPLETED:
                    await self._undo(execution.plan.task(task_id), run)
            for task, run in list(self._retired.values()):
                await self._undo(task, run)
            await self._undo_queued()
            now = workflow.now()
            for item in self._order.product_order_item:
                item.state = ItemState.CANCELLED
            self._order.cancellation_date = now
            self._order.cancellation_reason = cancellation.cancellation_reason
            self._order.completion_date = now
            self._clear_jeopardy()
            cancellation.state = CancelState.DONE
            cancellation.effective_cancellation_date = now
            await self._move_to(OrderState.CANCELLED)
            await self._save_cancellation()
            self._assessing = False
            return True

    async def _stop_active_tasks(self, execution: PlanExecution) -> None:
        """Withdraw running work and wait until every domain order has let go of it."""
        # Waits, manual jobs and held or fallen-out tasks have done nothing yet: withdraw them.
        # A running system call may already have acted: let it finish, then undo it. Checked
        # again after each message: a call that fails meanwhile falls out and is withdrawn then.
        withdrawn: set[str] = set()
        while True:
            stoppable = [
                t.id
                for t in execution.plan.tasks
                if t.id not in withdrawn
                and (
                    execution.runs[t.id].status in {TaskStatus.HELD, TaskStatus.FALLOUT}
                    or (
                        execution.runs[t.id].status == TaskStatus.RUNNING
                        and t.kind != TaskKind.AUTOMATED
                    )
                )
            ]
            await self._withdraw(execution.plan, stoppable)
            withdrawn.update(stoppable)
            if not any(r.status in ACTIVE for r in execution.runs.values()) and not self._retired:
                return
            await workflow.wait_condition(lambda: bool(self._inbox))
            while self._inbox:
                self._handle(execution, self._inbox.pop(0))

    async def _withdraw(self, plan: Plan, task_ids: list[str]) -> None:
        """Ask the domain orders running these tasks to stop them."""
        by_child: dict[str, list[str]] = {}
        for task_id in task_ids:
            by_child.setdefault(plan.task(task_id).domain_order_id, []).append(task_id)
        for domain_order_id, ids in by_child.items():
            await self._children[domain_order_id].signal(
                DomainOrderWorkflow.cancel_tasks, CancelTasks(task_ids=ids)
            )

    async def _save_cancellation(self) -> None:
        assert self._cancellation is not None
        self._cancel_revision += 1
        self._emit(
            EventType.CANCEL_STATE_CHANGE,
            f"Cancellation {self._cancellation.state.value}",
            reason=self._cancellation.error_message,
            cancelProductOrderId=self._cancellation.id,
            state=self._cancellation.state.value,
        )
        await workflow.execute_local_activity(
            "store.save_cancellation",
            SaveCancellationInput(cancellation=self._cancellation, revision=self._cancel_revision),
            result_type=bool,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )

    # -- orchestration -----------------------------------------------------------------------

    async def _orchestrate(self, execution: PlanExecution) -> bool:
        """Run the plan to its end; True when the order was cancelled instead."""
        while True:
            if self._cancel_due() and await self._try_to_cancel(execution):
                return True
            started, events = self._item_snapshot(), len(self._events)
            await self._dispatch([] if self._until_start() else execution.ready())
            self._refresh_items()
            # Tasks just started: their jeopardy thresholds become the next timers.
            self._assess_jeopardy(execution)
            if self._item_snapshot() != started or len(self._events) != events:
                await self._persist()  # e.g. an item just passed its point of no return
            if execution.is_settled() and not execution.plan.deferred and not self._retired:
                return False
            try:
                await workflow.wait_condition(
                    lambda: (
                        (bool(self._inbox) or self._plan_changed or self._cancel_due())
                        and not self._assessing
                    ),
                    timeout=self._until_next_check(),
                )
            except TimeoutError:
                pass  # a jeopardy threshold or the cancellation date: handled below
            self._plan_changed = False
            before = self._item_snapshot()
            events = len(self._events)
            while self._inbox:
                self._handle(execution, self._inbox.pop(0))
            self._refresh_items()
            self._count_fallout(execution)
            self._assess_jeopardy(execution)
            if self._item_snapshot() != before or len(self._events) != events:
                await self._persist()
            await self._compensate_failed_items(execution)
            await self._undo_queued()

    def _handle(
        self, execution: PlanExecution, message: TaskFinished | TaskHeld | FalloutNotice
    ) -> None:
        if message.task_id in self._retired:
            # Removed by an amendment while it ran: what it did is undone once it is done.
            if isinstance(message, TaskFinished):
                task, run = self._retired.pop(message.task_id)
                if message.succeeded:
                    self._undo_queue.append((task, run))
            return
        task = execution.plan.task(message.task_id)
        if isinstance(message, TaskFinished) and message.task_id in self._redo:
            self._redo.discard(message.task_id)
            finished = execution.finish(message)
            if message.succeeded:
                # Changed by an amendment while it ran: undo the old effect, run it anew.
                self._undo_queue.append((task, finished.model_copy()))
                execution.runs[task.id] = TaskRun(task_id=task.id, run=finished.run + 1)
                execution.reschedule(workflow.now())
            return
        if isinstance(message, TaskFinished):
            execution.finish(message)
            self._note_milestone(task, message)
            if not message.succeeded and message.error_type != TASK_CANCELLED:
                self._note_error("TaskFailed", f"task '{task.name}' failed: {message.error}", task)
        elif isinstance(message, TaskHeld):
            execution.set_status(task.id, TaskStatus.HELD if message.held else TaskStatus.RUNNING)
        else:
            self._note_fallout(execution, task, message)

    def _note_fallout(
        self, execution: PlanExecution, task: PlanTask, notice: FalloutNotice
    ) -> None:
        detail = {"caseId": notice.case_id, "taskId": task.id, "itemId": task.root_item_id}
        if notice.action == "opened":
            execution.set_status(task.id, TaskStatus.FALLOUT)
            execution.runs[task.id].fallout_case_id = notice.case_id
            self._emit(
                EventType.FALLOUT_OPENED,
                f"Task '{task.name}' fell out",
                reason=notice.error,
                errorType=notice.error_type,
                system=task.system,
                **detail,
            )
        elif notice.action == "assign":
            self._emit(
                EventType.FALLOUT_ASSIGNED,
                f"Fallout of '{task.name}' assigned to {notice.actor}",
                actor=notice.actor,
                reason=notice.note,
                **detail,
            )
        else:
            if notice.action == "retry":
                execution.set_status(task.id, TaskStatus.RUNNING)
            self._emit(
                EventType.FALLOUT_RESOLVED,
                f"Fallout of '{task.name}' resolved: {notice.action}",
                actor=notice.actor,
                reason=notice.note,
                action=notice.action,
                **detail,
            )

    # -- jeopardy -------------------------------------------------------------------------------

    def _due_date(self) -> datetime:
        if self._order.requested_completion_date is not None:
            return self._order.requested_completion_date
        hours = self._policy.due_hours(self._order.priority)
        return self._order.order_date + timedelta(hours=hours)

    def _until_next_jeopardy_check(self) -> timedelta | None:
        if self._jeopardy is None or self._jeopardy.next_check is None or self._assessing:
            return None
        return max(self._jeopardy.next_check - workflow.now(), timedelta(milliseconds=1))

    def _assess_jeopardy(self, execution: PlanExecution) -> None:
        if self._assessing:
            return
        now = workflow.now()
        found = assess(
            execution,
            now,
            self._due_date(),
            self._policy.jeopardy_warning_share,
            order_from_forecast=workflow.patched("order-jeopardy-from-forecast"),
            not_before=self._order.requested_start_date if self._until_start() else None,
        )
        before = self._jeopardy
        self._jeopardy = found
        levels = {t.task_id: t.level.value for t in found.tasks}
        for task_id, run in execution.runs.items():
            run.jeopardy = levels.get(task_id, JeopardyLevel.NONE.value)
        for item in self._order.product_order_item:
            item.jeopardy = found.item_level(item.id).value
        self._order.jeopardy = OrderJeopardy(
            level=found.level.value,
            cause=found.cause,
            due_date=found.due,
            forecast_completion_date=found.forecast,
            tasks=[
                TaskAtRisk(task_id=t.task_id, item_id=t.item_id, level=t.level.value, cause=t.cause)
                for t in found.tasks
            ],
        )
        previous = {t.task_id: t.level for t in before.tasks} if before else {}
        if (
            before is not None
            and before.level == found.level
            and previous == {t.task_id: t.level for t in found.tasks}
        ):
            return
        if before is None and found.level == JeopardyLevel.NONE:
            workflow.upsert_search_attributes([sa.JEOPARDY.value_set(found.level.value)])
            return
        workflow.upsert_search_attributes([sa.JEOPARDY.value_set(found.level.value)])
        self._emit(
            EventType.ORDER_JEOPARDY,
            f"Jeopardy {found.level.value}",
            reason=found.cause,
            level=found.level.value,
            previousLevel=before.level.value if before else JeopardyLevel.NONE.value,
            dueDate=iso_z(found.due),
            forecastCompletionDate=iso_z(found.forecast),
            tasks=[t.to_tmf() for t in self._order.jeopardy.tasks],
        )

    def _clear_jeopardy(self) -> None:
        """A closed order is at risk of nothing."""
        if self._order.jeopardy is None:
            return
        was = self._order.jeopardy.level
        self._order.jeopardy = self._order.jeopardy.model_copy(
            update={"level": JeopardyLevel.NONE.value, "cause": None, "tasks": []}
        )
        for item in self._order.product_order_item:
            item.jeopardy = JeopardyLevel.NONE.value
        self._jeopardy = None
        workflow.upsert_search_attributes([sa.JEOPARDY.value_set(JeopardyLevel.NONE.value)])
        if was != JeopardyLevel.NONE.value:
            self._emit(
                EventType.ORDER_JEOPARDY,
                "Jeopardy cleared",
                level=JeopardyLevel.NONE.value,
                previousLevel=was,
            )

    def _count_fallout(self, execution: PlanExecution) -> None:
        count = execution.fallout_count()
        if count != self._fallout_count:
            self._fallout_count = count
            workflow.upsert_search_attributes([sa.FALLOUT_COUNT.value_set(count)])

    def _note_error(self, code: str, reason: str, task: PlanTask) -> None:
        self._order.error_message = [
            *(self._order.error_message or []),
            OrderErrorMessage(code=code, reason=reason, productOrderItem=[task.root_item_id]),
        ]

    async def _compensate_failed_items(self, execution: PlanExecution) -> None:
        """Undo, latest first, what a failed item had done; tasks still running when the item
        failed are undone once they finish."""
        for item in self._order.product_order_item:
            if item.state != ItemState.FAILED:
                continue
            for task in execution.to_compensate(item.id):
                await self._undo(task, execution.runs[task.id])

    async def _undo_queued(self) -> None:
        while self._undo_queue:
            task, run = self._undo_queue.pop(0)
            await self._undo(task, run)

    async def _undo(self, task: PlanTask, run: TaskRun) -> None:
        """Run the catalog's compensating task for one completed task run, once."""
        if task.compensation is None or run.compensated:
            run.compensated = True
            return
        effect = f"{self._order.id}/{task.id}/{run.run}"
        run.undo_start = workflow.now()
        await workflow.execute_activity(
            task.compensation.activity,
            SouthboundRequest(
                idempotency_key=f"{effect}/undo",
                order_id=self._order.id,
                item_id=task.item_id,
                task_id=task.id,
                params=task.params,
                compensates=effect,
            ),
            result_type=SouthboundResult,
            activity_id=f"{task.id}#{run.run}~undo",
            start_to_close_timeout=COMPENSATION_TIMEOUT,
            retry_policy=COMPENSATION_RETRY,
        )
        run.compensated, run.undo_end = True, workflow.now()

    async def _dispatch(self, tasks: list[PlanTask]) -> None:
        if not tasks or self._assessing:
            return
        assert self._execution is not None
        plan = self._execution.plan
        # Grouped by domain order, in plan order (never set order: commands must come out the
        # same on every replay). A new child gets its tasks in its start, a running one gets them
        # in one signal: each message to a child costs workflow tasks on both sides.
        batches: dict[str, list[RunTask]] = {}
        for task in tasks:
            run = self._execution.mark_running(task.id, workflow.now())
            batches.setdefault(task.domain_order_id, []).append(
                RunTask(
                    task=self._prepared(task),
                    idempotency_key=f"{self._order.id}/{task.id}/{run.run}",
                    wait_until=self._wait_until(task),
                )
            )
        await asyncio.gather(
            *(
                self._children[d].signal(DomainOrderWorkflow.run_tasks, RunTasks(tasks=batch))
                if d in self._children
                else self._start_child(self._domain_order(plan, d), batch)
                for d, batch in batches.items()
            )
        )

    async def _start_child(self, domain_order: DomainOrder, tasks: list[RunTask]) -> None:
        self._children[domain_order.id] = await workflow.start_child_workflow(
            DomainOrderWorkflow.run,
            DomainOrderInput(
                order_id=self._order.id,
                parent_workflow_id=workflow.info().workflow_id,
                domain_order=domain_order,
                policy=self._policy,
                tasks=tasks,
            ),
            id=child_workflow_id(self._order.id, domain_order.id),
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.ORDER_ID, self._order.id),
                    SearchAttributePair(sa.DOMAIN, domain_order.domain.value),
                ]
            ),
            memo={"item": domain_order.item_id, "specification": domain_order.spec_id},
            # The parent closes its children itself, so they end Completed, never Terminated.
            # (Not by REQUEST_CANCEL: the time-skipping test server does not apply that policy.)
            parent_close_policy=ParentClosePolicy.ABANDON,
        )

    async def _close_children(self) -> None:
        # Every task has reported back: the children are idle. All signals in one workflow task.
        await asyncio.gather(
            *(handle.signal(DomainOrderWorkflow.close) for handle in self._children.values())
        )
        await asyncio.gather(*self._children.values())

    @staticmethod
    def _domain_order(plan: Plan, domain_order_id: str) -> DomainOrder:
        return next(d for d in plan.domain_orders if d.id == domain_order_id)

    def _prepared(self, task: PlanTask) -> PlanTask:
        """Order-level context a task needs: appointments are booked at the requested start,
        and assetization gets the product as inventory will record it."""
        if task.system == "field_service" and self._order.requested_start_date is not None:
            when = self._order.requested_start_date.isoformat().replace("+00:00", "Z")
            return task.model_copy(update={"params": {**task.params, "requestedStartDate": when}})
        if task.system != "product_inventory":
            return task
        assert self._execution is not None
        plan = self._execution.plan
        product_order = next(
            d
            for d in plan.domain_orders
            if d.product_key == task.product_key and d.domain == "product"
        )
        realizing = [d for d in plan.domain_orders if d.product_key == task.product_key]
        item = self._order.item(task.item_id)
        offering = item.product_offering if item else None
        product = {
            "name": offering.name or offering.id if offering else product_order.spec_id,
            "productOffering": {
                "id": product_order.offering_id or (offering.id if offering else "")
            },
            "productSpecification": {"id": product_order.spec_id},
            "productCharacteristic": [
                {"name": k, "value": v}
                for k, v in task.params.items()
                if k not in {"productId", "action"}
            ],
            "relatedParty": [p.to_tmf() for p in self._order.related_party],
            "productPrice": product_prices(self._product_prices, task.item_id, task.product_key),
            "realizingService": [
                {"id": child_workflow_id(self._order.id, d.id), "name": d.spec_id}
                for d in realizing
                if d.domain == "service"
            ],
            "realizingResource": [
                {"id": child_workflow_id(self._order.id, d.id), "name": d.spec_id}
                for d in realizing
                if d.domain == "resource"
            ],
            "productOrderItem": [
                {
                    "orderItemId": task.item_id,
                    "productOrderId": self._order.id,
                    "orderItemAction": product_order.action.value,
                }
            ],
        }
        params = {**task.params, "product": product, "action": product_order.action.value}
        return task.model_copy(update={"params": params})

    def _wait_until(self, task: PlanTask) -> datetime | None:
        assert self._execution is not None
        if task.wait_for == WaitSource.REQUESTED_START_DATE:
            return self._order.requested_start_date
        if task.wait_for == WaitSource.APPOINTMENT:
            booking = self._execution.runs.get(str(task.params.get("appointmentTaskId")))
            if booking is not None and "start" in booking.result:
                return datetime.fromisoformat(str(booking.result["start"]).replace("Z", "+00:00"))
        return None

    def _note_milestone(self, task: PlanTask, outcome: TaskFinished) -> None:
        if task.milestone is None or not outcome.succeeded:
            return
        self._emit(
            EventType.ORDER_MILESTONE,
            f"Milestone {task.milestone} reached",
            milestone=task.milestone,
            itemId=task.root_item_id,
            taskId=task.id,
        )
        self._order.milestone = [
            *(self._order.milestone or []),
            Milestone(
                id=task.id,
                name=task.milestone,
                milestone_date=outcome.ended_at,
                productOrderItem=[task.root_item_id],
            ),
        ]

    # -- order and item state ------------------------------------------------------------------

    def _ask_for_missing_information(self) -> None:
        assert self._execution is not None
        missing = [
            {"itemId": d.item_id, "characteristics": d.missing}
            for d in self._execution.plan.deferred
            if d.missing
        ]
        if missing:
            self._emit(
                EventType.ORDER_INFORMATION_REQUIRED,
                "Information required to decompose the order",
                missing=missing,
            )

    def _refresh_items(self) -> None:
        assert self._execution is not None
        execution = self._execution
        before = {i.id: i.state for i in self._order.product_order_item}
        deferred = {d.root_item_id for d in execution.plan.deferred}
        item_states = execution.item_states()
        domain_order_states = execution.domain_order_states()
        past_point_of_no_return = execution.items_past_point_of_no_return()
        domain_orders: dict[str, list[DomainOrderRef]] = {}
        for d in execution.plan.domain_orders:
            domain_orders.setdefault(d.root_item_id, []).append(
                DomainOrderRef(
                    id=child_workflow_id(self._order.id, d.id),
                    domain=d.domain.value,
                    specification=d.spec_id,
                    state=domain_order_states[d.id],
                )
            )
        for item in self._order.product_order_item:
            if item.id in self._cancelled_items:
                continue
            state = item_states.get(item.id, ItemState.COMPLETED)  # no tasks: nothing to do
            if item.id in deferred and state != ItemState.FAILED:
                state = ItemState.PENDING
            item.state = state
            item.point_of_no_return = item.id in past_point_of_no_return
            item.domain_order = domain_orders.get(item.id, [])
        changed = [
            {"id": i.id, "fromState": before[i.id], "toState": i.state}
            for i in self._order.product_order_item
            if i.state != before[i.id]
        ]
        if changed:
            self._emit(EventType.ORDER_STATE_CHANGE, "Item state changed", productOrderItem=changed)

    def _item_snapshot(self) -> list[object]:
        """What GET shows of the items: a change in it is worth a store write."""
        return [
            (
                i.id,
                i.state,
                i.point_of_no_return,
                [d.state for d in i.domain_order or []],
            )
            for i in self._order.product_order_item
        ]

    def _final_state(self) -> OrderState:
        states = {
            i.state for i in self._order.product_order_item if i.id not in self._cancelled_items
        }
        if not states:
            return OrderState.CANCELLED
        if states <= {ItemState.COMPLETED}:
            return OrderState.COMPLETED
        if ItemState.COMPLETED in states:
            return OrderState.PARTIAL
        return OrderState.FAILED

    async def _reject(self, planned: PlanOrderResult) -> None:
        self._order.error_message = [
            OrderErrorMessage(
                code=p.code,
                reason=p.reason,
                productOrderItem=[p.item_id] if p.item_id else None,
            )
            for p in planned.problems
        ]
        for item in self._order.product_order_item:
            item.state = ItemState.REJECTED
        self._order.completion_date = workflow.now()
        await self._move_to(OrderState.REJECTED)

    def _emit(
        self,
        event_type: EventType,
        title: str,
        actor: str | None = None,
        reason: str | None = None,
        **detail: object,
    ) -> None:
        self._events.append(
            OrderEvent(
                event_id=str(workflow.uuid4()),
                event_type=event_type,
                event_time=workflow.now(),
                title=title,
                actor=actor,
                reason=reason,
                priority=self._order.priority,
                detail=detail,
            )
        )

    async def _move_to(self, state: OrderState) -> None:
        if state != self._order.state:
            self._emit(
                EventType.ORDER_STATE_CHANGE,
                f"Order {state.value}",
                fromState=self._order.state.value,
                toState=state.value,
            )
        self._order.state = state
        workflow.upsert_search_attributes([sa.ORDER_STATE.value_set(state.value)])
        await self._persist()

    async def _persist(self) -> None:
        self._revision += 1
        events, self._events = self._events, []
        # A local activity: a store write is milliseconds of work in this worker, not worth a
        # round trip through the server's task queues (measured in bench/results/orders.md).
        await workflow.execute_local_activity(
            "store.save_order",
            SaveOrderInput(
                order=self._order,
                revision=self._revision,
                events=events,
                execution=self._execution if self._order.state.is_final else None,
            ),
            result_type=bool,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )

    def _result(self) -> ProductOrderResult:
        return ProductOrderResult(order_id=self._order.id, state=self._order.state)
