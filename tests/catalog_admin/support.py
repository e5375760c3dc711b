"""Catalog management tests publish versions in the shared test database: they clean up."""

from __future__ import annotations

from sqlmodel import delete

from store.catalog_tables import CatalogAudit, CatalogDraft, PublishedCatalog
from store.db import session_scope


def reset_catalog_management() -> None:
    """Back to the YAML catalog alone: no draft, nothing published, no audit."""
    with session_scope() as session:
        for table in (CatalogDraft, PublishedCatalog, CatalogAudit):
            session.exec(delete(table))
