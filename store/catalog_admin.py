"""Reads and writes of catalog management: the drafts (one per author), published versions, the
audit trail."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import col, select

from store.catalog_tables import CatalogAudit, CatalogDraft, PublishedCatalog
from store.db import session_scope

DRAFT_ID = "draft"  # the draft of a caller without a subject (and of drafts before 0005)


def draft_key(author: str | None) -> str:
    """Each process admin edits a draft of their own, keyed by the token's subject."""
    return author or DRAFT_ID


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Draft:
    base_version: str
    document: dict[str, Any]
    last_update: dict[str, Any]
    # The draft catalog's own lifecycle: In design (edited) or In test (validated, frozen).
    lifecycle_status: str = "In design"


@dataclass(frozen=True)
class AuditEntry:
    actor: str | None
    action: str
    resource: str
    resource_id: str | None
    change: dict[str, Any]


def _draft(row: CatalogDraft) -> Draft:
    # Deep copies: a change edits nested lists, and the row must see new values to write.
    return Draft(
        row.base_version,
        copy.deepcopy(row.document),
        dict(row.last_update),
        row.lifecycle_status,
    )


def get_draft(author: str | None) -> Draft | None:
    with session_scope() as session:
        row = session.get(CatalogDraft, draft_key(author))
        return None if row is None else _draft(row)


def change_draft(
    author: str | None, start: Callable[[], Draft], change: Callable[[Draft], AuditEntry]
) -> tuple[Draft, AuditEntry]:
    """Apply `change` to the author's draft (made by `start` if there is none) and audit it, in
    one transaction holding the draft's row: two edits of one draft never overwrite each other,
    and each admin's draft is their own."""
    with session_scope() as session:
        row = session.get(CatalogDraft, draft_key(author), with_for_update=True)
        draft = _draft(row) if row is not None else start()
        entry = change(draft)
        if row is None:
            row = CatalogDraft(
                id=draft_key(author),
                base_version=draft.base_version,
                document=draft.document,
                last_update=draft.last_update,
                lifecycle_status=draft.lifecycle_status,
            )
        else:
            row.base_version = draft.base_version
            row.document = draft.document
            row.last_update = draft.last_update
            row.lifecycle_status = draft.lifecycle_status
            flag_modified(row, "document")
            flag_modified(row, "last_update")
            row.revision += 1
        session.add(row)
        session.add(_audit_row(entry))
        return draft, entry


def _audit_row(entry: AuditEntry) -> CatalogAudit:
    return CatalogAudit(
        at=_now(),
        actor=entry.actor,
        action=entry.action,
        resource=entry.resource,
        resource_id=entry.resource_id,
        change=entry.change,
    )


def publish_draft(version: str, document: dict[str, Any], actor: str | None) -> None:
    """The actor's draft becomes published `version`; the draft is gone. Two publications of
    one version number cannot both be stored (the primary key): the second fails."""
    with session_scope() as session:
        row = session.get(CatalogDraft, draft_key(actor), with_for_update=True)
        last_update = dict(row.last_update) if row is not None else {}
        session.add(
            PublishedCatalog(
                version=version,
                document=document,
                last_update=last_update,
                published_at=_now(),
                published_by=actor,
            )
        )
        if row is not None:
            session.delete(row)
        session.add(
            _audit_row(AuditEntry(actor, "publish", "catalog", version, {"version": version}))
        )


def discard_draft(actor: str | None) -> bool:
    with session_scope() as session:
        row = session.get(CatalogDraft, draft_key(actor), with_for_update=True)
        if row is None:
            return False
        session.delete(row)
        session.add(_audit_row(AuditEntry(actor, "discard", "catalog", DRAFT_ID, {})))
        return True


def published() -> list[PublishedCatalog]:
    with session_scope() as session:
        rows = session.exec(select(PublishedCatalog)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def published_marker() -> tuple[int, datetime | None]:
    """Changes when a version is published: readers reload their catalog then."""
    with session_scope() as session:
        count, last = session.exec(
            select(func.count(), func.max(PublishedCatalog.published_at))
        ).one()
        return int(count), last


def last_updates() -> dict[str, Any]:
    """lastUpdate of published entities, newest publication winning."""
    found: dict[str, Any] = {}
    for row in sorted(published(), key=lambda r: r.published_at):
        found.update(row.last_update)
    return found


def audit_log(offset: int, limit: int) -> tuple[list[CatalogAudit], int]:
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(CatalogAudit)).one()
        rows = session.exec(
            select(CatalogAudit).order_by(col(CatalogAudit.id).desc()).offset(offset).limit(limit)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows), int(total)
