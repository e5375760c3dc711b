"""State of the southbound simulators: the effects ledger, the resources they manage, fault config.

The simulators stand in for separate systems, so each row names its `system`; one table per
concern (not per system) keeps "what is left for order X" a single query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel


class SimulatorEffect(SQLModel, table=True):
    """One applied southbound call; the unique idempotency key makes every effect happen once."""

    __tablename__ = "simulator_effect"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=300)
    system: str = Field(max_length=32)
    operation: str = Field(max_length=64)
    order_id: str = Field(index=True, max_length=64)
    item_id: str = Field(max_length=200)
    task_id: str = Field(max_length=200)
    compensates: str | None = Field(default=None, max_length=300)
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # The SouthboundResult as first returned (replayed=False); replays return it again.
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Naive UTC, as in the other tables.
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class SimulatorResource(SQLModel, table=True):
    """Something a southbound system holds for an order item: a port, a SIM, a shipment, ..."""

    __tablename__ = "simulator_resource"
    __table_args__ = (Index("ix_simulator_resource_order_item", "order_id", "item_id"),)

    # The system's own id of the resource, returned as SouthboundResult.reference.
    id: str = Field(primary_key=True, max_length=64)
    system: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=32)  # port, ip, service, port_in, sim, shipment, ...
    state: str = Field(max_length=32)  # reserved, released, active, suspended, ...
    order_id: str = Field(max_length=64)
    item_id: str = Field(max_length=200)
    task_id: str = Field(max_length=200)
    created_by: str = Field(max_length=300)  # idempotency key of the effect that created it
    updated_by: str = Field(max_length=300)  # idempotency key of the last effect that changed it
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class SimulatorConfigRecord(SQLModel, table=True):
    """Fault injection set at run time; a system without a row uses SIMULATOR_DEFAULTS."""

    __tablename__ = "simulator_config"

    system: str = Field(primary_key=True, max_length=32)
    latency_ms: int = 0
    failure_rate: float = 0.0
    failure_mode: str = Field(default="transient", max_length=16)
    offline: bool = False
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
