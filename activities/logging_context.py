"""Bind the order and workflow ids to every log line an activity writes."""

from __future__ import annotations

import structlog
from temporalio import activity


def bind_activity_context(order_id: str) -> None:
    info = activity.info()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        order_id=order_id,
        workflow_id=info.workflow_id,
        activity=info.activity_type,
        attempt=info.attempt,
    )
