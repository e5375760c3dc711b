"""Database engine and sessions, for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from config.settings import get_settings


def normalize_url(url: str) -> str:
    # One driver for PostgreSQL everywhere: psycopg 3.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the worker writes; NORMAL sync is durable enough with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def create_tables(engine: Engine | None = None) -> None:
    """Bring the schema to the code's version: every table through its Alembic migration
    (store/migrations/). Safe for several processes starting at once (store/migrate.py). With
    DATABASE_AUTO_MIGRATE=false the upgrade is an explicit step (`oms db upgrade`), and a
    process refuses to start on a database that is not at the code's version."""
    from store import migrate

    if get_settings().database_auto_migrate:
        migrate.upgrade(engine=engine)
        return
    at, wanted = migrate.current(engine), migrate.head()
    if at != wanted:
        raise RuntimeError(
            f"the database schema is at {at or 'no version'}, this code needs {wanted}: "
            "run `oms db upgrade` first (DATABASE_AUTO_MIGRATE is off)"
        )


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
