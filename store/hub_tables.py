"""Tables of the event hub: subscriptions, the state of each delivery, courtesy notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class HubSubscriptionRecord(SQLModel, table=True):
    """A listener registered through POST /hub. Deleting only marks it: its deliveries remain."""

    __tablename__ = "hub_subscription"

    id: str = Field(primary_key=True, max_length=64)
    callback: str = Field(max_length=2000)
    query: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Signs each POST; never leaves the store (not in workflow histories, not in GET).
    secret: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))


class DeliveryState:
    DELIVERING = "delivering"  # attempted, not yet accepted (retrying)
    DELIVERED = "delivered"
    DEAD = "dead"  # given up: a dead letter, replayable
    REPLAYING = "replaying"  # an operator asked for a replay of a dead letter
    CANCELLED = "cancelled"  # its subscription was deleted before it was delivered

    ALL = (DELIVERING, DELIVERED, DEAD, REPLAYING, CANCELLED)
    # Not over yet: a deleted subscription ends these.
    UNFINISHED = (DELIVERING, REPLAYING)


class EventDeliveryRecord(SQLModel, table=True):
    """One event to one consumer (a hub subscription or the courtesy notifications)."""

    __tablename__ = "event_delivery"
    __table_args__ = (UniqueConstraint("consumer_id", "event_id"),)

    id: str = Field(primary_key=True, max_length=64)
    consumer_id: str = Field(index=True, max_length=64)
    event_seq: int
    event_id: str = Field(max_length=64)
    order_id: str = Field(index=True, max_length=64)
    event_type: str = Field(max_length=64)
    state: str = Field(index=True, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))


class CourtesyNotificationRecord(SQLModel, table=True):
    """What the notification simulator sent: at most one per event and channel."""

    __tablename__ = "courtesy_notification"
    __table_args__ = (UniqueConstraint("event_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    order_id: str = Field(index=True, max_length=64)
    notification: str = Field(max_length=64)
    recipient: str = Field(max_length=200)
    message: str = Field(max_length=2000)
    sent_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
