"""domain_order: the TMF641/652 lists' index, filled in from the orders' documents;
catalog_draft keyed by its author (one draft per process admin)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

orders = sa.table(
    "product_order",
    sa.column("id", sa.String),
    sa.column("customer_id", sa.String),
    sa.column("order_date", sa.DateTime),
    sa.column("document", sa.JSON),
)
domain_orders = sa.table(
    "domain_order",
    sa.column("id", sa.String),
    sa.column("order_id", sa.String),
    sa.column("domain", sa.String),
    sa.column("state", sa.String),
    sa.column("customer_id", sa.String),
    sa.column("order_date", sa.DateTime),
    sa.column("position", sa.Integer),
)


def _rows(order_id: str, customer_id: str | None, order_date: Any, document: Any) -> list[dict]:
    if isinstance(document, str):  # SQLite hands JSON back as text through a bare table()
        document = json.loads(document)
    found: dict[str, dict] = {}
    for item in document.get("productOrderItem") or []:
        for ref in item.get("domainOrder") or []:
            if ref.get("id") in found or ref.get("domain") not in {"service", "resource"}:
                continue
            found[ref["id"]] = {
                "id": ref["id"],
                "order_id": order_id,
                "domain": ref["domain"],
                "state": ref.get("state") or "acknowledged",
                "customer_id": customer_id,
                "order_date": order_date,
                "position": len(found),
            }
    return list(found.values())


def upgrade() -> None:
    op.create_table(
        "domain_order",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("order_date", sa.DateTime(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["product_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_domain_order_order_id", "domain_order", ["order_id"])
    op.create_index("ix_domain_order_state", "domain_order", ["state"])
    op.create_index("ix_domain_order_customer_id", "domain_order", ["customer_id"])
    op.create_index(
        "ix_domain_order_page", "domain_order", ["domain", "order_date", "order_id", "position"]
    )
    connection = op.get_bind()
    for order_id, customer_id, order_date, document in connection.execute(
        sa.select(orders.c.id, orders.c.customer_id, orders.c.order_date, orders.c.document)
    ):
        rows = _rows(order_id, customer_id, order_date, document)
        if rows:
            connection.execute(domain_orders.insert(), rows)
    # One draft per author: the key is the author's subject (was the constant "draft").
    with op.batch_alter_table("catalog_draft") as batch:
        batch.alter_column("id", existing_type=sa.String(length=16), type_=sa.String(length=200))
        batch.add_column(
            sa.Column(
                "lifecycle_status",
                sa.String(length=32),
                nullable=False,
                server_default="In design",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_draft") as batch:
        batch.drop_column("lifecycle_status")
        batch.alter_column("id", existing_type=sa.String(length=200), type_=sa.String(length=16))
    op.drop_index("ix_domain_order_page", table_name="domain_order")
    op.drop_index("ix_domain_order_customer_id", table_name="domain_order")
    op.drop_index("ix_domain_order_state", table_name="domain_order")
    op.drop_index("ix_domain_order_order_id", table_name="domain_order")
    op.drop_table("domain_order")
