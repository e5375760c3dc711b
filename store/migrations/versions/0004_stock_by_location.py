"""Stock by location: stock_location, stock_level (SKU x location), stock_reservation

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_location",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stock_level",
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["stock_location.id"]),
        sa.PrimaryKeyConstraint("sku", "location_id"),
    )
    op.create_table(
        "stock_reservation",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "item_id"),
    )
    op.create_index("ix_stock_reservation_sku", "stock_reservation", ["sku"])
    op.create_index("ix_stock_reservation_state", "stock_reservation", ["state"])


def downgrade() -> None:
    op.drop_index("ix_stock_reservation_state", table_name="stock_reservation")
    op.drop_index("ix_stock_reservation_sku", table_name="stock_reservation")
    op.drop_table("stock_reservation")
    op.drop_table("stock_level")
    op.drop_table("stock_location")
