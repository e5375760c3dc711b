"""The domain-order index (TMF641 service orders, TMF652 resource orders): written with each
order snapshot, read by the lists so a page costs a page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, delete, select

from store.db import session_scope
from store.order_tables import DomainOrderRecord, OrderParty, ProductOrderRecord

Document = dict[str, Any]


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def _customer(document: Document) -> str | None:
    """As the store indexes an order's customer: role customer, else the first party."""
    parties = [p for p in document.get("relatedParty") or [] if isinstance(p, dict)]
    for party in parties:
        if str(party.get("role") or "").lower() == "customer":
            return str(party.get("id"))
    return str(parties[0].get("id")) if parties else None


# The columns of a row besides its id, as compared to decide whether a row is to be written.
_COLUMNS = ("order_id", "domain", "state", "customer_id", "order_date", "position")


def domain_order_rows(
    document: Document, order_date: datetime, customer_id: str | None = None
) -> list[dict[str, Any]]:
    """The index rows of one order document (column values by name): one per domain order its
    items list."""
    found: dict[str, dict[str, Any]] = {}
    refs: Iterable[Document] = (
        ref
        for item in document.get("productOrderItem") or []
        for ref in item.get("domainOrder") or []
    )
    customer = customer_id if customer_id is not None else _customer(document)
    date = _naive_utc(order_date)
    for ref in refs:
        if ref.get("id") in found or ref.get("domain") not in {"service", "resource"}:
            continue
        found[ref["id"]] = {
            "id": ref["id"],
            "order_id": document["id"],
            "domain": ref["domain"],
            "state": ref.get("state") or "acknowledged",
            "customer_id": customer,
            "order_date": date,
            "position": len(found),
        }
    return list(found.values())


def index_domain_orders(
    session: Session,
    order_id: str,
    document: Document,
    order_date: datetime,
    customer_id: str | None,
) -> None:
    """Bring the order's rows in line with its new snapshot, writing only the rows that changed:
    an order of 1,000 items has ~3,000, and its snapshot after a task event moves a few (issue
    24: deleting and inserting them all took most of a snapshot write)."""
    wanted = {row["id"]: row for row in domain_order_rows(document, order_date, customer_id)}
    columns = [getattr(DomainOrderRecord, c) for c in _COLUMNS]
    stored = {
        row[0]: tuple(row[1:])
        for row in session.exec(
            select(DomainOrderRecord.id, *columns).where(
                col(DomainOrderRecord.order_id) == order_id
            )
        ).all()
    }
    gone = [ref_id for ref_id in stored if ref_id not in wanted]
    if gone:
        session.exec(delete(DomainOrderRecord).where(col(DomainOrderRecord.id).in_(gone)))
    added = [row for ref_id, row in wanted.items() if ref_id not in stored]
    changed = [
        row
        for ref_id, row in wanted.items()
        if ref_id in stored and stored[ref_id] != tuple(_naive(row[c]) for c in _COLUMNS)
    ]
    if added:
        session.execute(insert(DomainOrderRecord), added)
    if changed:  # by primary key, one statement for all
        session.execute(update(DomainOrderRecord), changed)


def _naive(value: Any) -> Any:
    """As the database gives a column back: datetimes without a zone."""
    return _naive_utc(value) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class DomainOrderFilter:
    domain: str
    id: str | None = None
    state: str | None = None
    order_id: str | None = None  # externalReference.id: the product order realized
    party_id: str | None = None  # relatedParty.id
    customer_id: str | None = None  # a confined caller's own party


def list_domain_orders(
    flt: DomainOrderFilter, offset: int, limit: int
) -> tuple[list[tuple[Document, list[str]]], list[str], int]:
    """One page of domain orders, newest product order first: (each order document with the
    ids of its domain orders on the page, the ids in page order, the total before paging)."""
    query = select(DomainOrderRecord.id, DomainOrderRecord.order_id).where(
        DomainOrderRecord.domain == flt.domain
    )
    if flt.id is not None:
        query = query.where(DomainOrderRecord.id == flt.id)
    if flt.state is not None:
        query = query.where(DomainOrderRecord.state == flt.state)
    if flt.order_id is not None:
        query = query.where(DomainOrderRecord.order_id == flt.order_id)
    if flt.customer_id is not None:
        query = query.where(DomainOrderRecord.customer_id == flt.customer_id)
    if flt.party_id is not None:
        parties = select(OrderParty.order_id).where(OrderParty.party_id == flt.party_id)
        query = query.where(col(DomainOrderRecord.order_id).in_(parties))
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        page = session.exec(
            query.order_by(
                col(DomainOrderRecord.order_date).desc(),
                col(DomainOrderRecord.order_id).desc(),
                col(DomainOrderRecord.position),
            )
            .offset(offset)
            .limit(limit)
        ).all()
        order_ids = sorted({order_id for _, order_id in page})
        documents = {
            record_id: dict(document)
            for record_id, document in session.exec(
                select(ProductOrderRecord.id, ProductOrderRecord.document).where(
                    col(ProductOrderRecord.id).in_(order_ids)
                )
            ).all()
        }
    by_order: dict[str, tuple[Document, list[str]]] = {}
    for ref_id, order_id in page:
        if order_id in documents:
            by_order.setdefault(order_id, (documents[order_id], []))[1].append(ref_id)
    return list(by_order.values()), [ref_id for ref_id, _ in page], int(total)
