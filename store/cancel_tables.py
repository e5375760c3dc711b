"""CancelProductOrder tasks (TMF622): created by the API, then kept current by the workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class CancelOrderRecord(SQLModel, table=True):
    __tablename__ = "cancel_product_order"

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(index=True, max_length=64)
    state: str = Field(index=True, max_length=32)
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False, index=True))
    revision: int = 0
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
