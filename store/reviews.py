"""Orders and reviews: the duplicate screen run inside an order's acceptance, and the orders
waiting for a person's review (`/ops/v1/approvals`).

The screen is atomic with the insert: two identical orders accepted at once are decided one
after the other, so exactly one of them passes. On PostgreSQL a transaction-scoped advisory
lock per customer serializes the screens (READ COMMITTED: the second, once it holds the lock,
reads the first's committed row); on SQLite the acceptance's insert already holds the database's
single write lock until the commit, and the screen runs after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, text
from sqlmodel import Session, col, select

from store.db import session_scope
from store.order_tables import ProductOrderRecord
from tmf.product_order import FINAL_ORDER_STATES, OrderState, ProductOrder

# The states an order waits for a review in (workflows/order/review.py).
WAITING_STATES = {
    "approval": (OrderState.PENDING.value,),
    "duplicate": (OrderState.HELD.value,),
}


@dataclass(frozen=True)
class DuplicateScreen:
    """What the acceptance checks against the customer's open orders: `decide` gets their
    documents (oldest first, the order itself left out) and answers the order to record (held
    when it is a suspected duplicate) or raises to refuse it, rolling the acceptance back."""

    customer_id: str
    since: datetime
    decide: Callable[[list[dict[str, Any]]], ProductOrder]


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def lock_customer(session: Session, customer_id: str) -> None:
    """Serialize duplicate screens of one customer until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"dup|{customer_id}"}
        )


# Built once: the screen runs in every acceptance while a duplicate rule exists.
_OPEN_ORDERS = (
    select(ProductOrderRecord.document)
    .where(ProductOrderRecord.customer_id == bindparam("customer"))
    .where(
        col(ProductOrderRecord.state).not_in(
            [*(state.value for state in FINAL_ORDER_STATES), OrderState.DRAFT.value]
        )
    )
    .where(ProductOrderRecord.order_date >= bindparam("since"))
    .where(ProductOrderRecord.id != bindparam("own"))
    .order_by(col(ProductOrderRecord.order_date), col(ProductOrderRecord.id))
    .limit(200)
)


def screened(session: Session, order: ProductOrder, screen: DuplicateScreen) -> ProductOrder:
    """The order to record, decided against the customer's open orders (in `session`, after
    the order's own row was flushed)."""
    lock_customer(session, screen.customer_id)
    rows = session.exec(
        _OPEN_ORDERS,
        params={
            "customer": screen.customer_id,
            "since": _naive_utc(screen.since),
            "own": order.id,
        },
    ).all()
    return screen.decide([dict(row) for row in rows])


def waiting_for_review(
    kind: str | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Orders waiting for a review (of one kind, or both), longest waiting first."""
    states = WAITING_STATES[kind] if kind else tuple(s for v in WAITING_STATES.values() for s in v)
    query = select(ProductOrderRecord).where(col(ProductOrderRecord.state).in_(states))
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(col(ProductOrderRecord.order_date), col(ProductOrderRecord.id))
            .offset(offset)
            .limit(limit)
        ).all()
        return [r.document for r in rows], int(total)
