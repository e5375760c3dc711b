"""product_order.closed_at: when an order reached its final state, filled in for closed orders

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINAL_STATES = ("completed", "partial", "failed", "rejected", "cancelled")
orders = sa.table(
    "product_order",
    sa.column("id", sa.String),
    sa.column("state", sa.String),
    sa.column("document", sa.JSON),
    sa.column("closed_at", sa.DateTime),
)


def _completion(document: object) -> datetime | None:
    if isinstance(document, str):  # SQLite hands JSON back as text through a bare table()
        document = json.loads(document)
    value = document.get("completionDate") if isinstance(document, dict) else None
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def upgrade() -> None:
    # Batch mode: on SQLite the table is copied with its rows into the new shape.
    with op.batch_alter_table("product_order") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_product_order_closed_at", ["closed_at"])
    connection = op.get_bind()
    closed = connection.execute(
        sa.select(orders.c.id, orders.c.document).where(orders.c.state.in_(FINAL_STATES))
    ).all()
    for order_id, document in closed:
        connection.execute(
            orders.update().where(orders.c.id == order_id).values(closed_at=_completion(document))
        )


def downgrade() -> None:
    with op.batch_alter_table("product_order") as batch:
        batch.drop_index("ix_product_order_closed_at")
        batch.drop_column("closed_at")
