"""Reads and writes of the TMF637 product inventory, and its ledger of applied effects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from store import effects
from store.db import session_scope
from store.inventory_tables import InventoryEffect, InventoryProductParty, InventoryProductRecord
from tmf.product_inventory import Product


def utc_now() -> datetime:
    # Naive UTC, the same on SQLite and PostgreSQL.
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _fill_columns(record: InventoryProductRecord, product: Product) -> None:
    origin = product.product_order_item[0] if product.product_order_item else None
    record.status = product.status.value
    record.offering_id = product.product_offering.id if product.product_offering else None
    record.order_id = origin.product_order_id if origin else None
    record.order_item_id = origin.order_item_id if origin else None
    record.start_date = _naive_utc(product.start_date)
    # The href is the API's to add: it depends on where the API is served, not on the writer.
    record.document = product.model_copy(update={"href": None}).to_tmf()


def _set_parties(session: Session, product: Product) -> None:
    session.exec(
        delete(InventoryProductParty).where(col(InventoryProductParty.product_id) == product.id)
    )
    for party_id in sorted({p.id for p in product.related_party}):
        session.add(InventoryProductParty(product_id=product.id, party_id=party_id))


# --- Writes, inside the caller's transaction ------------------------------------------------


def add_product(session: Session, product: Product) -> None:
    record = InventoryProductRecord(
        id=product.id, status=product.status.value, created_at=utc_now(), document={}
    )
    _fill_columns(record, product)
    session.add(record)
    session.flush()  # the parties refer to it
    _set_parties(session, product)


def load_product(session: Session, product_id: str) -> Product | None:
    """The product, locked until the transaction ends, for a read-modify-write."""
    record = session.get(InventoryProductRecord, product_id, with_for_update=True)
    return None if record is None else Product.model_validate(record.document)


def replace_product(session: Session, product: Product) -> None:
    record = session.get(InventoryProductRecord, product.id, with_for_update=True)
    if record is None:
        raise KeyError(product.id)
    _fill_columns(record, product)
    record.revision += 1
    session.add(record)
    _set_parties(session, product)


def remove_product(session: Session, product_id: str) -> bool:
    record = session.get(InventoryProductRecord, product_id, with_for_update=True)
    if record is None:
        return False
    session.exec(
        delete(InventoryProductParty).where(col(InventoryProductParty.product_id) == product_id)
    )
    session.delete(record)
    return True


def create_product(product: Product) -> dict[str, Any]:
    """Record a product in one transaction; returns its stored document."""
    with session_scope() as session:
        add_product(session, product)
        record = session.get(InventoryProductRecord, product.id)
        assert record is not None
        return record.document


# --- Reads ------------------------------------------------------------------------------------


def get_product_document(product_id: str) -> dict[str, Any] | None:
    with session_scope() as session:
        record = session.get(InventoryProductRecord, product_id)
        return None if record is None else record.document


def get_product(product_id: str) -> Product | None:
    document = get_product_document(product_id)
    return None if document is None else Product.model_validate(document)


def products_for_party(party_id: str) -> list[Product]:
    """Every product a party is related to, in any status, oldest first."""
    parties = select(InventoryProductParty.product_id).where(
        InventoryProductParty.party_id == party_id
    )
    query = (
        select(InventoryProductRecord)
        .where(col(InventoryProductRecord.id).in_(parties))
        .order_by(col(InventoryProductRecord.created_at), col(InventoryProductRecord.id))
    )
    with session_scope() as session:
        return [Product.model_validate(r.document) for r in session.exec(query).all()]


@dataclass(frozen=True)
class ProductFilter:
    id: str | None = None
    status: str | None = None
    offering_id: str | None = None
    party_id: str | None = None


def list_products(flt: ProductFilter, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Products matching every filter (AND), newest first, and the total count before paging."""
    query = select(InventoryProductRecord)
    if flt.id is not None:
        query = query.where(InventoryProductRecord.id == flt.id)
    if flt.status is not None:
        query = query.where(InventoryProductRecord.status == flt.status)
    if flt.offering_id is not None:
        query = query.where(InventoryProductRecord.offering_id == flt.offering_id)
    if flt.party_id is not None:
        parties = select(InventoryProductParty.product_id).where(
            InventoryProductParty.party_id == flt.party_id
        )
        query = query.where(col(InventoryProductRecord.id).in_(parties))
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        page = session.exec(
            query.order_by(
                col(InventoryProductRecord.created_at).desc(),
                col(InventoryProductRecord.id).desc(),
            )
            .offset(offset)
            .limit(limit)
        ).all()
        return [r.document for r in page], int(total)


# --- Effects ledger ---------------------------------------------------------------------------


def effect_by_key(session: Session, idempotency_key: str) -> InventoryEffect | None:
    return session.get(InventoryEffect, idempotency_key)


def find_effect(idempotency_key: str) -> InventoryEffect | None:
    with session_scope() as session:
        return effect_by_key(session, idempotency_key)


def apply_once(
    effect: InventoryEffect, apply: Callable[[Session], dict[str, Any]]
) -> tuple[InventoryEffect, bool]:
    """Apply an effect and record it in one transaction, unless its key is already recorded
    (`store/effects.py`); `apply` changes products in the given session."""

    def note_product(recorded: InventoryEffect) -> None:
        recorded.product_id = recorded.result.get("reference") or None

    return effects.apply_once(effect, find_effect, apply, note_product)
