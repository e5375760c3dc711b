"""Starting EventDelivery workflows (client side): a hub subscription's, and the courtesy
notifications' (idempotent; call it when the worker or the API starts)."""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from activities.event_delivery import COURTESY_CONSUMER_ID, Consumer, ConsumerKind
from config.settings import Settings, get_settings
from store import hub
from workflows.event_delivery import (
    DeliveryPolicy,
    EventDeliveryInput,
    EventDeliveryWorkflow,
    workflow_id_for,
)


def delivery_policy(settings: Settings | None = None) -> DeliveryPolicy:
    settings = settings or get_settings()
    return DeliveryPolicy(
        retry_initial_seconds=settings.hub_retry_initial_seconds,
        retry_backoff=settings.hub_retry_backoff,
        retry_max_interval_seconds=settings.hub_retry_max_interval_seconds,
        max_age_seconds=settings.hub_delivery_max_age_seconds,
        attempt_timeout_seconds=settings.hub_http_timeout_seconds + 10,
        long_poll_seconds=settings.hub_long_poll_seconds,
    )


async def _start(client: Client, consumer: Consumer, reuse: WorkflowIDReusePolicy) -> None:
    # New consumers get the events from now on: the outbox's end when the workflow starts.
    cursor = await asyncio.to_thread(hub.latest_event_seq)
    settings = get_settings()
    await client.start_workflow(
        EventDeliveryWorkflow.run,
        EventDeliveryInput(consumer=consumer, cursor=cursor, policy=delivery_policy(settings)),
        id=workflow_id_for(consumer),
        task_queue=settings.task_queue,
        id_reuse_policy=reuse,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def start_subscription_delivery(client: Client, subscription_id: str) -> None:
    consumer = Consumer(kind=ConsumerKind.WEBHOOK, id=subscription_id)
    await _start(client, consumer, WorkflowIDReusePolicy.REJECT_DUPLICATE)


async def ensure_courtesy_notifications(client: Client) -> None:
    """Start the courtesy notifications' workflow unless it runs; safe to call at every start."""
    consumer = Consumer(kind=ConsumerKind.COURTESY, id=COURTESY_CONSUMER_ID)
    await _start(client, consumer, WorkflowIDReusePolicy.ALLOW_DUPLICATE)
