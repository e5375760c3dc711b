"""Courtesy notifications (seed 003): priority customers hear about their order's key moments.

Who is a priority customer and which events notify them on which channel is configuration
(`NOTIFICATIONS_CONFIG`, default config/notifications.yaml): each notification has a `when`, a
query in the hub's language (store.hub.EventQuery) over the TMF event body. The sending itself is
behind `Notifier`; the simulator records what it would send, once per event and channel.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from config.settings import get_settings
from store import hub
from store.hub_tables import CourtesyNotificationRecord


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Audience(BaseModel):
    """Customers who get courtesy notifications: a high order priority, or a customer tier."""

    model_config = ConfigDict(extra="forbid")

    priorities: list[str] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)


class NotificationRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    when: str
    channels: list[Channel] = Field(min_length=1)
    # str.format fields: {orderId}, {customerId}, {customerName}, {milestone}, {state}.
    message: str

    @field_validator("when")
    @classmethod
    def _when_is_a_query(cls, value: str) -> str:
        hub.EventQuery.parse(value)
        return value

    def query(self) -> hub.EventQuery:
        return hub.EventQuery.parse(self.when)


class NotificationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: Audience
    notifications: list[NotificationRule]


@lru_cache(maxsize=4)
def load_config(path: str) -> NotificationConfig:
    return NotificationConfig.model_validate(yaml.safe_load(Path(path).read_text()))


def current_config() -> NotificationConfig:
    return load_config(get_settings().notifications_config)


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    for party in order.get("relatedParty") or []:
        if str(party.get("role", "")).lower() == "customer":
            return dict(party)
    return {}


def is_priority_customer(audience: Audience, order: dict[str, Any]) -> bool:
    """Priority by the order's `priority`, or by the customer party's `tier` extension field."""
    if order.get("priority") in audience.priorities:
        return True
    tier = _customer(order).get("tier")
    return isinstance(tier, str) and tier.lower() in {t.lower() for t in audience.tiers}


@dataclass(frozen=True)
class PlannedNotification:
    notification: str
    channel: Channel
    recipient: str
    message: str


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def plan_notifications(
    config: NotificationConfig, body: dict[str, Any]
) -> list[PlannedNotification]:
    """The notifications an event causes: none unless the customer is in the audience; at most
    one per channel (the first matching rule wins)."""
    order = (body.get("event") or {}).get("productOrder") or {}
    if not is_priority_customer(config.audience, order):
        return []
    customer = _customer(order)
    detail = body.get("detail") or {}
    fields = _Fields(
        orderId=str(order.get("id", body.get("correlationId", ""))),
        customerId=str(customer.get("id", "")),
        customerName=str(customer.get("name") or customer.get("id", "")),
        milestone=str(detail.get("milestone", "")),
        state=str(order.get("state", "")),
    )
    planned: dict[Channel, PlannedNotification] = {}
    for rule in config.notifications:
        if not rule.query().matches(body):
            continue
        for channel in rule.channels:
            planned.setdefault(
                channel,
                PlannedNotification(
                    notification=rule.name,
                    channel=channel,
                    recipient=fields["customerId"],
                    message=string.Formatter().vformat(rule.message, (), fields),
                ),
            )
    return list(planned.values())


class Notifier(Protocol):
    """Sends one notification; idempotent by (event id, channel). True if sent now."""

    def send(self, event_id: str, order_id: str, notification: PlannedNotification) -> bool: ...


class SimulatedNotifier:
    """Email and SMS gateway simulator: records what it would send in the store."""

    def send(self, event_id: str, order_id: str, notification: PlannedNotification) -> bool:
        return hub.record_notification(
            CourtesyNotificationRecord(
                event_id=event_id,
                channel=notification.channel.value,
                order_id=order_id,
                notification=notification.notification,
                recipient=notification.recipient,
                message=notification.message,
                sent_at=hub.utc_now(),
            )
        )


def get_notifier() -> Notifier:
    # The only implementation so far; a real gateway would be chosen here by setting.
    return SimulatedNotifier()
