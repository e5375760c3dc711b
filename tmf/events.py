"""Order events: what the order workflow records as it goes, and the TMF event bodies they become.

The workflow emits `OrderEvent`s (deterministic: ids from `workflow.uuid4()`, times from
`workflow.now()`); the store activity writes them to the outbox in the same transaction as the
order snapshot, as TMF events (`{eventId, eventTime, eventType, correlationId, domain, title,
priority, event: {productOrder: ...}}`), so that none is lost or invented.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from tmf.common import iso_z


class EventType(StrEnum):
    ORDER_CREATE = "ProductOrderCreateEvent"
    ORDER_STATE_CHANGE = "ProductOrderStateChangeEvent"
    ORDER_ATTRIBUTE_VALUE_CHANGE = "ProductOrderAttributeValueChangeEvent"
    ORDER_INFORMATION_REQUIRED = "ProductOrderInformationRequiredEvent"
    ORDER_MILESTONE = "ProductOrderMilestoneEvent"
    ORDER_JEOPARDY = "ProductOrderJeopardyAlertEvent"
    FALLOUT_OPENED = "ProductOrderFalloutOpenedEvent"
    FALLOUT_ASSIGNED = "ProductOrderFalloutAssignedEvent"
    FALLOUT_RESOLVED = "ProductOrderFalloutResolvedEvent"
    TASK_ASSIGNED = "ProductOrderTaskAssignedEvent"  # a manager reassigned a manual task
    CANCEL_CREATE = "CancelProductOrderCreateEvent"
    CANCEL_STATE_CHANGE = "CancelProductOrderStateChangeEvent"


class OrderEvent(BaseModel):
    event_id: str
    event_type: EventType
    event_time: datetime
    title: str
    # Who or what caused it, and why: the order's history shows both.
    actor: str | None = None
    reason: str | None = None
    priority: str | None = None
    # Event-specific data (milestone name, jeopardy level, item states, ...).
    detail: dict[str, Any] = Field(default_factory=dict)


def tmf_event(event: OrderEvent, order_id: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The TMF body listeners receive; `resource` is the order (or cancellation) as GET shows it."""
    key = "cancelProductOrder" if event.event_type.value.startswith("Cancel") else "productOrder"
    return {
        "eventId": event.event_id,
        "eventTime": iso_z(event.event_time),
        "eventType": event.event_type.value,
        "correlationId": order_id,
        "domain": "productOrdering",
        "title": event.title,
        "priority": event.priority or "normal",
        "description": event.reason,
        "actor": event.actor,
        "detail": event.detail,
        "event": {key: resource},
    }
