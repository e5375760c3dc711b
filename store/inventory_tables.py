"""TMF637 product inventory: a row per product, its TMF document, the columns lists filter on.

Inventory keeps no personal data: a product holds only what assetization was given, and the
effect ledger keeps results, never requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel


class InventoryProductRecord(SQLModel, table=True):
    __tablename__ = "inventory_product"
    __table_args__ = (Index("ix_inventory_product_created_id", "created_at", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    status: str = Field(index=True, max_length=32)
    offering_id: str | None = Field(default=None, index=True, max_length=200)
    # The order item the product came from (the first of its productOrderItem).
    order_id: str | None = Field(default=None, index=True, max_length=64)
    order_item_id: str | None = Field(default=None, max_length=200)
    # Naive UTC, the same on SQLite and PostgreSQL, as in the other tables.
    start_date: datetime | None = Field(default=None, sa_column=Column(DateTime(), index=True))
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    # Incremented by every change, so that readers can tell two versions of a product apart.
    revision: int = 0
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class InventoryProductParty(SQLModel, table=True):
    """Every related party of a product, so that `relatedParty.id=` filters use an index."""

    __tablename__ = "inventory_product_party"

    product_id: str = Field(primary_key=True, foreign_key="inventory_product.id", max_length=64)
    party_id: str = Field(primary_key=True, index=True, max_length=200)


class InventoryEffect(SQLModel, table=True):
    """One applied assetization call; the key makes every effect happen once."""

    __tablename__ = "inventory_effect"

    idempotency_key: str = Field(primary_key=True, max_length=300)
    operation: str = Field(max_length=32)  # assetize, deassetize
    action: str = Field(max_length=32)  # add, modify, delete, suspend, resume, remove, none
    order_id: str = Field(index=True, max_length=64)
    product_id: str | None = Field(default=None, max_length=64)
    # The SouthboundResult as first returned (replayed=False); replays return it again.
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
