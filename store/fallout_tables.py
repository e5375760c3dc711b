"""Fallout cases: automated work that failed for good and waits for an agent's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class FalloutCase(SQLModel, table=True):
    __tablename__ = "fallout_case"

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(index=True, max_length=64)
    item_id: str = Field(max_length=200)
    task_id: str = Field(max_length=300)
    task_name: str = Field(max_length=300)
    # The domain-order workflow that owns the task and receives the agent's decision.
    workflow_id: str = Field(max_length=400)
    system: str = Field(index=True, max_length=64)
    operation: str = Field(max_length=64)
    error_type: str = Field(index=True, max_length=100)
    message: str = Field(max_length=4000)
    attempts: int = 1  # activity attempts, summed over every retry of the case
    failures: int = 1  # how many times the task fell out (a retry can fall out again)
    first_failure: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    last_failure: datetime = Field(sa_column=Column(DateTime(), nullable=False, index=True))
    state: str = Field(index=True, max_length=20)  # open | inProgress | retrying | resolved
    assignee: str | None = Field(default=None, max_length=200)
    resolution: str | None = Field(default=None, max_length=20)  # retry | skip | fail
    notes: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
