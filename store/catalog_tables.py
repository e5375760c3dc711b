"""Catalog management: the draft version being edited, versions published, the audit trail.

The YAML catalog (CATALOG_DIR) is the seed; versions published through the API live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class CatalogDraft(SQLModel, table=True):
    """A process admin's draft catalog version: a whole catalog document (YAML form), edited
    entity by entity, validated as a whole and published as the next version (the changes
    carried onto a version another admin published meanwhile)."""

    __tablename__ = "catalog_draft"

    # The author's subject: one draft per process admin (migration 0005 widened it).
    id: str = Field(default="draft", primary_key=True, max_length=200)
    base_version: str = Field(max_length=64)  # the published version it started from
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # "<resource>/<id>" -> ISO time of the entity's last change (TMF620 lastUpdate).
    last_update: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    revision: int = 0  # bumped by every change: concurrent edits do not overwrite each other
    # In design (edited) or In test (validated as a whole, frozen until moved back or launched).
    lifecycle_status: str = Field(default="In design", max_length=32)


class PublishedCatalog(SQLModel, table=True):
    __tablename__ = "catalog_published"

    version: str = Field(primary_key=True, max_length=64)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    last_update: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    published_by: str | None = Field(default=None, max_length=200)


class CatalogAudit(SQLModel, table=True):
    """Every change to the catalog: who, when, what."""

    __tablename__ = "catalog_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(), nullable=False, index=True))
    actor: str | None = Field(default=None, max_length=200)
    action: str = Field(max_length=32)  # create | update | delete | publish | import
    resource: str = Field(max_length=64)
    resource_id: str | None = Field(default=None, max_length=200)
    change: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
