"""Readiness checks shared by the API and the worker: can this process do its work now?

Liveness is only "the process answers"; readiness names each dependency and why it failed, so
an orchestrator holds traffic (API) or restarts the process (worker) and an operator sees why.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from store.catalogs import catalog_repository
from store.db import get_engine

CHECK_TIMEOUT_SECONDS = 3.0


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(value.startswith("ok") for value in self.checks.values())

    def as_json(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}


def database_check() -> str:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"; the text says which
        return f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return "ok"


def catalog_check() -> str:
    try:
        latest = catalog_repository().latest
    except Exception as error:
        return f"failed: {type(error).__name__}: {str(error)[:200]}"
    return f"ok: version {latest.version}"


async def temporal_check(client: Client | None) -> str:
    if client is None:
        return "failed: not connected"
    try:
        await client.workflow_service.get_system_info(
            GetSystemInfoRequest(), timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS)
        )
    except Exception as error:
        return f"failed: {type(error).__name__}: {str(error)[:200]}"
    return "ok"


async def readiness(client: Client | None, *, catalog: bool = True) -> Readiness:
    """Database, Temporal and (for the API) the catalog, checked concurrently."""
    database = asyncio.to_thread(database_check)
    checks = {"database": database, "temporal": temporal_check(client)}
    if catalog:
        checks["catalog"] = asyncio.to_thread(catalog_check)
    results = await asyncio.gather(*checks.values())
    return Readiness(dict(zip(checks, results, strict=True)))
