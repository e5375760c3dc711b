"""Manual work items: the queue that technicians, the porting desk and surveyors work from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class ManualTaskRecord(SQLModel, table=True):
    __tablename__ = "manual_task"

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(index=True, max_length=64)
    item_id: str = Field(max_length=200)
    task_id: str = Field(max_length=300)
    # The domain-order workflow that owns the task and receives its completion as an update.
    workflow_id: str = Field(max_length=400)
    name: str = Field(max_length=300)
    queue: str = Field(index=True, max_length=100)
    skill: str | None = Field(default=None, index=True, max_length=100)
    state: str = Field(index=True, max_length=20)  # open | claimed | completed | cancelled
    assignee: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Naive UTC, like every timestamp in the store (the same on SQLite and PostgreSQL).
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    claimed_at: datetime | None = Field(default=None, sa_column=Column(DateTime()))
    completed_at: datetime | None = Field(default=None, sa_column=Column(DateTime()))


class WorkforceSimulatorConfig(SQLModel, table=True):
    """The field-workforce simulator: completes manual tasks by itself, for demos and benchmarks."""

    __tablename__ = "workforce_simulator"

    id: int = Field(default=1, primary_key=True)
    auto_complete: bool = False
    latency_ms: int = 0
