"""Fixtures of the simulator tests.

The database comes from tests/conftest.py (a temp SQLite file, or a PostgreSQL schema of its own
with TESSERA_TEST_DB=postgres); the tables of the simulators are part of `create_tables()`.
Tests share that database, so each uses its own order ids and starts from the default config.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from activities.southbound.contract import SYSTEMS
from activities.southbound.faults import DEFAULTS_ENV_VAR, defaults_from_env, invalidate_cache
from store.simulators import delete_config


def _forget_fault_config() -> None:
    for system in SYSTEMS:
        delete_config(system)
    invalidate_cache()
    defaults_from_env.cache_clear()


@pytest.fixture(autouse=True)
def default_fault_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(DEFAULTS_ENV_VAR, raising=False)
    _forget_fault_config()
    yield
    _forget_fault_config()
