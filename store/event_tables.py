"""The event outbox: every order event, written with the order snapshot it belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class OrderEventRecord(SQLModel, table=True):
    __tablename__ = "order_event"

    # Insertion order: events of one order are delivered and listed in this order.
    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=64)
    order_id: str = Field(index=True, max_length=64)
    event_type: str = Field(index=True, max_length=64)
    event_time: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    actor: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
