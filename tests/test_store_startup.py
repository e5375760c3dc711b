"""The API and the worker start together on a fresh database: both create the tables."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_BASE_URL, ROOT

CREATE = "from store.db import create_tables; create_tables()"


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind this run tests (SQLite file or PostgreSQL schema)."""
    if os.environ.get("TESSERA_TEST_DB", "sqlite") != "postgres":
        yield f"sqlite:///{tmp_path}/fresh.db"
        return
    import psycopg

    schema = f"t_fresh_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_processes_creating_tables_at_once_all_start(fresh_database: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_database}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CREATE], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    failures = [p.stderr.read()[-400:] for p in processes if p.wait(timeout=60) != 0 and p.stderr]
    assert failures == []
