"""The product order projection: a row per order, its TMF document, the columns lists filter on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel


class ProductOrderRecord(SQLModel, table=True):
    __tablename__ = "product_order"
    __table_args__ = (Index("ix_product_order_date_id", "order_date", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    state: str = Field(index=True, max_length=32)
    external_id: str | None = Field(default=None, index=True, max_length=200)
    customer_id: str | None = Field(default=None, index=True, max_length=200)
    channel: str | None = Field(default=None, max_length=100)
    # Naive UTC, the same on SQLite and PostgreSQL, so that range filters compare alike.
    order_date: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    # When the order reached its final state (its completionDate), naive UTC; None while open.
    # Added by migration 0002, which fills it in for orders closed before.
    closed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), index=True))
    # 0 none, 1 warning, 2 critical: orders at risk list worst first.
    jeopardy_rank: int = Field(default=0, index=True)
    # Monotonic write counter of the owning workflow: an older snapshot never overwrites a newer.
    revision: int = 0
    # Idempotency: the client's Idempotency-Key, and "<party>|<externalId>"; each unique.
    idempotency_key: str | None = Field(default=None, unique=True, max_length=300)
    external_key: str | None = Field(default=None, unique=True, max_length=500)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class OrderParty(SQLModel, table=True):
    """Every related party of an order, so that `relatedParty.id=` filters use an index."""

    __tablename__ = "product_order_party"

    order_id: str = Field(primary_key=True, foreign_key="product_order.id", max_length=64)
    party_id: str = Field(primary_key=True, index=True, max_length=200)


class OrderAdmission(SQLModel, table=True):
    """An accepted order whose workflow has not been started yet: the admission queue.

    Written in the acceptance's transaction and deleted once the workflow is started, so an
    order the API accepted is started even if the API crashes or Temporal is down meanwhile.
    """

    __tablename__ = "order_admission"
    __table_args__ = (Index("ix_order_admission_rank", "task_queue", "priority", "accepted_at"),)

    order_id: str = Field(primary_key=True, foreign_key="product_order.id", max_length=64)
    # The task queue its workflow starts on: only APIs serving that queue start it.
    task_queue: str = Field(max_length=200)
    # TMF priority, 0 (highest) to 4 (lowest): the more urgent orders are admitted first.
    priority: int = 4
    accepted_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class ClosedOrderPlan(SQLModel, table=True):
    """A closed order's plan with every task's run, written with its last snapshot.

    The workflow answers plan and timeline queries while it runs; once it has closed, a query
    would make a worker fetch and replay its whole history (seconds for a large order), and
    after the namespace's retention period the history is gone. This row outlives both.
    """

    __tablename__ = "closed_order_plan"

    order_id: str = Field(primary_key=True, foreign_key="product_order.id", max_length=64)
    # The workflow's PlanExecution as JSON; null for an order rejected before it had a plan.
    execution: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class OrderRequest(SQLModel, table=True):
    """The fingerprint of the request that created an order (api/idempotency.py): a replay of
    its idempotency key or externalId with another body is refused, not answered with it. A
    table of its own, so that an existing database gains it without a migration."""

    __tablename__ = "product_order_request"

    order_id: str = Field(primary_key=True, foreign_key="product_order.id", max_length=64)
    fingerprint: str = Field(max_length=64)


class DomainOrderRecord(SQLModel, table=True):
    """A domain order (service or resource order) of a product order, as its items list it:
    written with the order's snapshot, so TMF641/TMF652 lists page and filter on an index
    instead of reading every order. Added by migration 0005, which fills it in."""

    __tablename__ = "domain_order"
    __table_args__ = (
        Index("ix_domain_order_page", "domain", "order_date", "order_id", "position"),
    )

    # The TMF641/652 id, `order-<product order id>/<domain order id>`.
    id: str = Field(primary_key=True, max_length=300)
    order_id: str = Field(foreign_key="product_order.id", index=True, max_length=64)
    domain: str = Field(max_length=16)  # service | resource
    state: str = Field(index=True, max_length=32)
    # The product order's customer (isolation) and date (newest first), copied for the index.
    customer_id: str | None = Field(default=None, index=True, max_length=200)
    order_date: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    position: int = 0  # its place in the product order's item list


class PlanViewHeader(SQLModel, table=True):
    """A large order's plan view (issue 24, store/plan_rows.py): what changes only with its
    plan. Its rows are `PlanViewRowRecord`s: as its last store write had them while it runs,
    its final view's once it closed. Added by migration 0006."""

    __tablename__ = "plan_view"

    order_id: str = Field(primary_key=True, foreign_key="product_order.id", max_length=64)
    header: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    tasks: int  # the plan's task count: the view is whole once it has that many task rows


class PlanViewRowRecord(SQLModel, table=True):
    """A task's row (or a compensation's) of a large order's plan view."""

    __tablename__ = "plan_view_row"

    order_id: str = Field(primary_key=True, foreign_key="product_order.id", max_length=64)
    task_id: str = Field(primary_key=True, max_length=400)
    position: int
    compensation: bool = False
    row: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
