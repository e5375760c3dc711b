"""The workspace's order search: free text, state, jeopardy and open fallout, newest first.

A read of the order projection for people, not the TMF list: the text search matches the
order's whole document (id, externalId, customer, offering, address), which an index does not
serve, so it is for a workspace's pages of 25, not for bulk export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlmodel import col, select

from store.db import session_scope
from store.fallout_tables import FalloutCase
from store.order_tables import ProductOrderRecord

OPEN_FALLOUT_STATES = ("open", "inProgress")


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class OrderSearch:
    text: str | None = None
    state: str | None = None
    customer_id: str | None = None
    channel: str | None = None
    min_jeopardy_rank: int | None = None
    with_open_fallout: bool = False
    ordered_from: datetime | None = None
    ordered_before: datetime | None = None


def _open_fallout_orders() -> Any:
    return select(FalloutCase.order_id).where(col(FalloutCase.state).in_(OPEN_FALLOUT_STATES))


def search_orders(search: OrderSearch, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Matching order documents (every criterion applies), newest first, and their total."""
    query = select(ProductOrderRecord)
    if search.text:
        pattern = f"%{search.text.lower()}%"
        query = query.where(
            or_(
                func.lower(ProductOrderRecord.id).like(pattern),
                func.lower(cast(ProductOrderRecord.document, String)).like(pattern),
            )
        )
    for column, value in (
        (ProductOrderRecord.state, search.state),
        (ProductOrderRecord.customer_id, search.customer_id),
        (ProductOrderRecord.channel, search.channel),
    ):
        if value:
            query = query.where(col(column) == value)
    if search.min_jeopardy_rank is not None:
        query = query.where(col(ProductOrderRecord.jeopardy_rank) >= search.min_jeopardy_rank)
    if search.with_open_fallout:
        query = query.where(col(ProductOrderRecord.id).in_(_open_fallout_orders()))
    date = col(ProductOrderRecord.order_date)
    if search.ordered_from is not None:
        query = query.where(date >= _naive(search.ordered_from))
    if search.ordered_before is not None:
        query = query.where(date < _naive(search.ordered_before))
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(date.desc(), col(ProductOrderRecord.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [r.document for r in rows], int(total)


def open_fallout_counts(order_ids: Sequence[str]) -> dict[str, int]:
    """Open (or assigned, unresolved) fallout cases per order, for the orders given."""
    if not order_ids:
        return {}
    with session_scope() as session:
        rows = session.exec(
            select(FalloutCase.order_id, func.count())
            .where(col(FalloutCase.order_id).in_(list(order_ids)))
            .where(col(FalloutCase.state).in_(OPEN_FALLOUT_STATES))
            .group_by(col(FalloutCase.order_id))
        ).all()
        return {str(order_id): int(n) for order_id, n in rows}
