"""plan_view, plan_view_row: a large order's plan view row by row (issue 24), written with its
store writes; empty for every order already in the store (an open one keeps them from its next
write, and until its rows are all written the plan comes from its workflow or its closed plan,
as before)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_view",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["product_order.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "plan_view_row",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=400), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("compensation", sa.Boolean(), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["product_order.id"]),
        sa.PrimaryKeyConstraint("order_id", "task_id"),
    )


def downgrade() -> None:
    op.drop_table("plan_view_row")
    op.drop_table("plan_view")
