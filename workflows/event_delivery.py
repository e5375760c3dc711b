"""EventDelivery: one long-running workflow per consumer of the event outbox.

A consumer is a hub subscription (workflow id `hub-<subscriptionId>`) or the courtesy
notifications (`courtesy-notifications`). The workflow reads the outbox from its cursor through a
long-polling activity and keeps one queue per order: each order's events are delivered strictly in
order, one at a time, while different orders proceed concurrently. A delivery is one activity
whose retry policy is the exponential backoff; it is given up (dead letter) when the event is older
than the policy's max age. The history is bounded by continue-as-new, which carries the cursor and
the undelivered events.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError, is_cancelled_exception
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.event_delivery import (
        COURTESY_CONSUMER_ID,
        LISTENER_REJECTED,
        Consumer,
        ConsumerKind,
        DeliverEventInput,
        DeliveryOutcome,
        EventBatch,
        EventRef,
        GiveUpInput,
        NextEventsInput,
    )

# What delivering means for each kind of consumer.
DELIVER_ACTIVITY = {
    ConsumerKind.WEBHOOK: "hub.deliver",
    ConsumerKind.COURTESY: "notifications.send",
}
READ_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
)
STORE_TIMEOUT = timedelta(seconds=30)


def workflow_id_for(consumer: Consumer) -> str:
    if consumer.kind == ConsumerKind.COURTESY:
        return COURTESY_CONSUMER_ID
    return f"hub-{consumer.id}"


def _failure_reason(err: FailureError) -> str:
    """The causes' messages, e.g. "activity ScheduleToClose timeout: listener answered 503"."""
    messages: list[str] = []
    cause = err.cause
    while cause is not None:
        messages.append(cause.message if isinstance(cause, FailureError) else str(cause))
        cause = cause.cause if isinstance(cause, FailureError) else None
    return ": ".join(messages) or err.message


class DeliveryPolicy(BaseModel):
    """Chosen by the starter (from settings) and kept across continue-as-new: workflow code reads
    no environment."""

    retry_initial_seconds: float = 1.0
    retry_backoff: float = 2.0
    retry_max_interval_seconds: float = 300.0
    max_age_seconds: float = 86_400.0
    # One attempt: the HTTP timeout plus the store writes around it.
    attempt_timeout_seconds: float = 15.0
    long_poll_seconds: float = 30.0
    # Back-pressure: stop reading the outbox while this many events wait (bounds memory and
    # the continue-as-new payload when a listener is down).
    max_pending: int = 1000
    max_history_events: int = 10_000


class PendingEvent(BaseModel):
    event: EventRef
    # Given up after this (max age after it was read, or after an operator's replay).
    deadline: datetime


class EventDeliveryInput(BaseModel):
    consumer: Consumer
    # The last outbox seq read: a new subscription starts at the end of the outbox.
    cursor: int
    policy: DeliveryPolicy = DeliveryPolicy()
    # Carried over by continue-as-new, each order's events in order.
    pending: list[PendingEvent] = []


class ReplayRequest(BaseModel):
    event: EventRef


class DeliveryProgress(BaseModel):
    cursor: int
    pending: int
    orders_in_flight: int


class EventDeliveryResult(BaseModel):
    cursor: int


@workflow.defn(name="EventDelivery")
class EventDeliveryWorkflow:
    @workflow.init
    def __init__(self, input: EventDeliveryInput) -> None:
        self._consumer = input.consumer
        self._policy = input.policy
        self._cursor = input.cursor
        self._queues: dict[str, list[PendingEvent]] = {}
        for pending in input.pending:
            self._queues.setdefault(pending.event.order_id, []).append(pending)
        self._pipelines: dict[str, asyncio.Task[None]] = {}
        # Set when stopping (continue-as-new or consumer gone): no new pipelines start.
        self._stopping = False

    @workflow.run
    async def run(self, input: EventDeliveryInput) -> EventDeliveryResult:
        for order_id in list(self._queues):
            self._start_pipeline(order_id)
        while not self._history_is_long():
            await workflow.wait_condition(lambda: self._pending() < self._policy.max_pending)
            batch = await self._read_next_events()
            if batch is None:
                break
            if batch.consumer_gone:
                await self._stop_pipelines()
                return EventDeliveryResult(cursor=self._cursor)
            self._cursor = batch.cursor
            for event in batch.events:
                self._enqueue(event)
        await self._stop_pipelines()
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            EventDeliveryInput(
                consumer=self._consumer,
                cursor=self._cursor,
                policy=self._policy,
                pending=[p for queue in self._queues.values() for p in queue],
            )
        )

    @workflow.signal(name="replay")
    def replay(self, request: ReplayRequest) -> None:
        """Deliver a dead letter again (after the order's queued events), with a fresh max age."""
        self._enqueue(request.event)

    @workflow.query(name="progress")
    def progress(self) -> DeliveryProgress:
        return DeliveryProgress(
            cursor=self._cursor, pending=self._pending(), orders_in_flight=len(self._pipelines)
        )

    async def _read_next_events(self) -> EventBatch | None:
        """The next batch from the outbox, or None if the history grew long meanwhile."""
        read = workflow.start_activity(
            "events.next_batch",
            NextEventsInput(
                consumer=self._consumer,
                after_seq=self._cursor,
                wait_seconds=self._policy.long_poll_seconds,
            ),
            result_type=EventBatch,
            start_to_close_timeout=timedelta(seconds=self._policy.long_poll_seconds + 30),
            heartbeat_timeout=timedelta(seconds=10),
            retry_policy=READ_RETRY,
        )
        # Deliveries grow the history while the read waits: stop waiting when it is long
        # (the read is side-effect free; the next run reads again from the same cursor).
        await workflow.wait_condition(lambda: read.done() or self._history_is_long())
        if not read.done():
            read.cancel()
            return None
        return read.result()

    # -- per-order pipelines -------------------------------------------------------------------

    def _pending(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self._policy.max_history_events
        )

    def _enqueue(self, event: EventRef) -> None:
        deadline = workflow.now() + timedelta(seconds=self._policy.max_age_seconds)
        self._queues.setdefault(event.order_id, []).append(
            PendingEvent(event=event, deadline=deadline)
        )
        self._start_pipeline(event.order_id)

    def _start_pipeline(self, order_id: str) -> None:
        if not self._stopping and order_id not in self._pipelines:
            self._pipelines[order_id] = asyncio.create_task(self._deliver_in_order(order_id))

    async def _deliver_in_order(self, order_id: str) -> None:
        queue = self._queues[order_id]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.pop(0)
        finally:
            # Cancelled (stopping): the undelivered events stay queued for the next run.
            self._pipelines.pop(order_id, None)
            if not queue:
                self._queues.pop(order_id, None)

    async def _deliver(self, pending: PendingEvent) -> None:
        policy = self._policy
        attempt = timedelta(seconds=policy.attempt_timeout_seconds)
        # Every event gets at least one attempt, even one whose max age ran out while queued.
        budget = max(pending.deadline - workflow.now(), attempt)
        try:
            await workflow.execute_activity(
                DELIVER_ACTIVITY[self._consumer.kind],
                DeliverEventInput(consumer=self._consumer, event=pending.event),
                result_type=DeliveryOutcome,
                start_to_close_timeout=attempt,
                schedule_to_close_timeout=budget,
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=policy.retry_initial_seconds),
                    backoff_coefficient=policy.retry_backoff,
                    maximum_interval=timedelta(seconds=policy.retry_max_interval_seconds),
                    non_retryable_error_types=[LISTENER_REJECTED],
                ),
                # Stopping waits for an attempt in flight: no attempt of an event may overlap
                # the next run's delivery of it or of the order's next event.
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except ActivityError as err:
            if is_cancelled_exception(err):
                raise
            reason = _failure_reason(err)
            await workflow.execute_activity(
                "events.give_up",
                GiveUpInput(consumer=self._consumer, event=pending.event, error=reason),
                start_to_close_timeout=STORE_TIMEOUT,
                retry_policy=READ_RETRY,
            )

    async def _stop_pipelines(self) -> None:
        self._stopping = True
        pipelines = list(self._pipelines.values())
        for task in pipelines:
            task.cancel()
        await asyncio.gather(*pipelines, return_exceptions=True)
