"""The FastAPI application: TMF resources under /tmf-api, operations under /ops/v1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.middleware.base import RequestResponseEndpoint

from api.errors import install_error_handlers
from api.order_workflows import ensure_order_workflow
from api.routers import (
    cancel_product_order,
    deliveries,
    fallout,
    hub,
    jeopardy,
    order_history,
    order_ops,
    plan_preview,
    product_catalog,
    product_inventory,
    product_order,
    simulators,
    tasks,
    workforce,
)
from api.temporal import get_client
from log import configure_logging, get_logger
from store import orders
from store.db import create_tables
from tmf.product_order import ProductOrder

log = get_logger(__name__)

RECONCILE_EVERY = timedelta(seconds=30)


async def _start_orphaned_orders() -> None:
    """Start the workflow of any accepted order the API crashed before starting."""
    while True:
        await asyncio.sleep(RECONCILE_EVERY.total_seconds())
        try:
            cutoff = datetime.now(UTC) - RECONCILE_EVERY
            pending = await run_in_threadpool(orders.unstarted_orders, cutoff)
            if pending:
                client = await get_client()
                for document in pending:
                    await ensure_order_workflow(client, ProductOrder.model_validate(document))
        except Exception as err:  # keep reconciling whatever one sweep hit
            log.warning("reconcile sweep failed", error=str(err))


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    configure_logging()
    await run_in_threadpool(create_tables)
    reconciler = asyncio.create_task(_start_orphaned_orders())
    yield
    reconciler.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reconciler


def create_app() -> FastAPI:
    app = FastAPI(
        title="Tessera Order Management",
        version="0.1.0",
        description="TMF622 product ordering orchestrated on Temporal.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.middleware("http")
    async def bind_request_context(
        request: Request, call_next: RequestResponseEndpoint
    ) -> Response:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(method=request.method, path=request.url.path)
        return await call_next(request)

    @app.get("/health", tags=["ops"], summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(product_order.router)
    app.include_router(cancel_product_order.router)
    app.include_router(product_inventory.router)
    app.include_router(product_catalog.router)
    app.include_router(hub.router)
    app.include_router(order_ops.router)
    app.include_router(order_history.router)
    app.include_router(deliveries.router)
    app.include_router(plan_preview.router)
    app.include_router(tasks.router)
    app.include_router(fallout.router)
    app.include_router(jeopardy.router)
    # Before the simulators router, whose /{system} would otherwise take this path.
    app.include_router(workforce.router)
    app.include_router(simulators.router)
    return app


app = create_app()
