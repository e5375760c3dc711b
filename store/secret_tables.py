"""Sealed secret values (decomposition/secrets.py): kept apart from the order, until it closes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class SealedSecret(SQLModel, table=True):
    __tablename__ = "sealed_secret"

    ref: str = Field(primary_key=True, max_length=100)  # "sealed:<id>", as in the order
    # No foreign key: an amendment's or a fallout retry's secret is kept before the workflow
    # takes it, and forgotten with the order's others when the order closes.
    order_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=100)
    value: str = Field(max_length=1000)
    # Naive UTC, like every timestamp of the store.
    sealed_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
