"""Sealed secret values: kept when the API seals them, read by the southbound activity that
needs one, forgotten when their order closes (see decomposition/secrets.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from sqlmodel import Session, col, delete, select

from decomposition.secrets import SealedValue
from store.db import session_scope
from store.secret_tables import SealedSecret


def add_sealed(session: Session, order_id: str, sealed: Iterable[SealedValue]) -> None:
    """In the caller's transaction: the order and its secrets are kept together or not at all."""
    now = datetime.now(UTC).replace(tzinfo=None)
    for value in sealed:
        session.add(
            SealedSecret(
                ref=value.ref, order_id=order_id, name=value.name, value=value.value, sealed_at=now
            )
        )


def keep_sealed(order_id: str, sealed: Collection[SealedValue]) -> None:
    if sealed:
        with session_scope() as session:
            add_sealed(session, order_id, sealed)


def reveal(refs: Collection[str]) -> dict[str, str]:
    """The values of those references still kept (an order's are gone once it closed)."""
    if not refs:
        return {}
    with session_scope() as session:
        rows = session.exec(select(SealedSecret).where(col(SealedSecret.ref).in_(list(refs))))
        return {row.ref: row.value for row in rows}


def forget_sealed(session: Session, order_id: str) -> None:
    """In the caller's transaction: the closing snapshot of the order."""
    session.exec(delete(SealedSecret).where(col(SealedSecret.order_id) == order_id))


def sealed_of(order_id: str) -> list[str]:
    """The references kept for an order (for tests and operators: never the values)."""
    with session_scope() as session:
        return list(session.exec(select(SealedSecret.ref).where(SealedSecret.order_id == order_id)))
