"""Starting order workflows from the API: idempotent, and safe to repeat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from config.settings import get_settings
from tmf.product_order import ProductOrder
from workflows import search_attributes as sa
from workflows.order import (
    ProductOrderInput,
    ProductOrderWorkflow,
    order_memo,
    workflow_id_for,
)
from workflows.policy import OrderPolicy
from workflows.ui_text import order_details, order_summary


def order_policy() -> OrderPolicy:
    """The policy a new order runs under, from settings (the workflow cannot read them)."""
    settings = get_settings()
    return OrderPolicy(
        jeopardy_warning_share=settings.jeopardy_warning_share,
        due_hours_by_priority=settings.due_hours_by_priority,
        default_due_hours=settings.order_default_due_hours,
        approval_jeopardy_hours=settings.order_approval_jeopardy_hours,
        offline_first_pause_seconds=settings.offline_first_pause_seconds,
        offline_max_pause_seconds=settings.offline_max_pause_seconds,
        southbound_attempt_timeout_seconds=settings.southbound_attempt_timeout_seconds,
        continue_as_new_after_events=settings.order_continue_as_new_events,
    )


# A large order's history (~40,000 events at 1,000 items) is replayed from its start whenever
# its worker loses it (an eviction, a failed workflow task, a restart): ~36 s at load ~13, past
# Temporal's default 10 s workflow task timeout, so such an order never recovered (issue 24).
LARGE_ORDER_ITEMS = 200
LARGE_ORDER_TASK_TIMEOUT = timedelta(seconds=90)


def task_timeout(order: ProductOrder) -> timedelta | None:
    """The workflow task timeout: the server's default (10 s) but for large orders."""
    return LARGE_ORDER_TASK_TIMEOUT if len(order.product_order_item) > LARGE_ORDER_ITEMS else None


def initial_search_attributes(order: ProductOrder) -> TypedSearchAttributes:
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.ORDER_STATE, order.state.value),
        SearchAttributePair(sa.ORDER_ID, order.id),
        SearchAttributePair(sa.JEOPARDY, "none"),
        SearchAttributePair(sa.FALLOUT_COUNT, 0),
    ]
    if customer := order.customer_id():
        pairs.append(SearchAttributePair(sa.CUSTOMER_ID, customer))
    if channel := order.channel_name():
        pairs.append(SearchAttributePair(sa.CHANNEL, channel))
    return TypedSearchAttributes(pairs)


async def ensure_order_workflow(client: Client, order: ProductOrder) -> None:
    """Start the order's workflow unless it exists (running or closed): one workflow per order."""
    try:
        await client.start_workflow(
            ProductOrderWorkflow.run,
            ProductOrderInput(order=order, policy=order_policy()),
            id=workflow_id_for(order.id),
            task_queue=get_settings().task_queue,
            # A closed order is never started again; a running one is simply reused.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=initial_search_attributes(order),
            memo=order_memo(order),
            # What the Temporal UI shows; not encrypted, so no personal data (workflows/ui_text.py).
            static_summary=order_summary(order),
            static_details=order_details(order),
            task_timeout=task_timeout(order),
        )
    except WorkflowAlreadyStartedError:
        pass
