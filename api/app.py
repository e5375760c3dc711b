"""The FastAPI application: TMF resources under /tmf-api, operations under /ops/v1."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.admission import GATE, admission_loop, finish_starts
from api.codec_server import CODEC_PATH, create_codec_app
from api.content_type import RequireJsonBody
from api.docs import install_docs
from api.errors import install_error_handlers
from api.http_metrics import HttpMetrics, metrics_endpoint
from api.identity import Authenticate
from api.local_issuer import get_local_issuer
from api.nul_characters import RefuseNulCharacters
from api.request_limits import LimitRequests
from api.routers import (
    admission,
    approvals,
    cancel_product_order,
    catalog_admin,
    catalog_rules,
    deliveries,
    domain_orders,
    draft_orders,
    fallout,
    health,
    hub,
    jeopardy,
    kpis,
    local_auth,
    order_history,
    order_ops,
    order_search,
    plan_preview,
    product_catalog,
    product_inventory,
    product_order,
    simulators,
    tasks,
    workforce,
    workspace,
)
from config.settings import load_settings
from observability.logs import configure_logging, get_logger
from observability.store_metrics import register_store_metrics
from observability.tracing import configure_tracing, instrument_api
from store.db import create_tables
from temporal_client import data_converter

log = get_logger(__name__)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings = load_settings()  # a bad setting stops the API before it serves
    configure_logging()
    data_converter()  # no payload encryption key: refuse to start rather than fail each call
    register_store_metrics(GATE)
    await run_in_threadpool(create_tables)
    admission = asyncio.create_task(admission_loop(settings))
    # What is loaded by now lives as long as the process: out of the cyclic collector's way.
    # Each full collection walked it all (~170,000 objects); the plan of a 1,000-item order
    # (7,500 rows parsed) took 100-190 ms instead of ~60 ms (issue 24).
    gc.freeze()
    yield
    await finish_starts()
    admission.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await admission


class RequestLogContext:
    """Binds each request's method and path to the log context. Plain ASGI: Starlette's
    `@app.middleware("http")` runs every request through an extra task and memory streams,
    which the API load benchmark showed in every request's profile."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(method=scope["method"], path=scope["path"])
        await self.app(scope, receive, send)


def create_app() -> FastAPI:
    configure_tracing("tessera-api")
    app = FastAPI(
        title="Tessera Order Management",
        version="0.1.0",
        description="TMF622 product ordering orchestrated on Temporal.",
        lifespan=lifespan,
        docs_url=None,  # served from installed files, not a CDN (api/docs.py)
        redoc_url=None,
    )
    install_docs(app)
    install_error_handlers(app)

    # Outermost last: the log context, then authentication (a 401 before anything else).
    app.add_middleware(Authenticate)
    app.add_middleware(RequireJsonBody)
    app.add_middleware(RefuseNulCharacters)
    app.add_middleware(LimitRequests)  # outside the NUL check: it bounds what that one reads
    app.add_middleware(RequestLogContext)
    # Outermost: it times and counts every answer, NUL refusals included.
    app.add_middleware(HttpMetrics)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)

    @app.get("/health", tags=["ops"], summary="Liveness (kept for scripts; see /health/live)")
    def health_ok() -> dict[str, str]:
        return {"status": "ok"}

    issuer = get_local_issuer()
    if issuer is not None:
        app.include_router(local_auth.build_router(issuer))
    app.include_router(health.router)

    app.include_router(product_order.router)
    app.include_router(cancel_product_order.router)
    app.include_router(product_inventory.router)
    app.include_router(product_catalog.router)
    app.include_router(catalog_admin.router)
    app.include_router(catalog_admin.ops_router)
    app.include_router(catalog_admin.service_router)
    app.include_router(catalog_admin.resource_router)
    app.include_router(catalog_rules.router)
    app.include_router(product_catalog.service_catalog_router)
    app.include_router(product_catalog.resource_catalog_router)
    app.include_router(domain_orders.service_router)
    app.include_router(domain_orders.resource_router)
    app.include_router(hub.router)
    app.include_router(order_search.router)
    app.include_router(order_ops.router)
    app.include_router(order_history.router)
    app.include_router(deliveries.router)
    app.include_router(plan_preview.router)
    app.include_router(draft_orders.router)
    app.include_router(tasks.router)
    app.include_router(fallout.router)
    app.include_router(jeopardy.router)
    app.include_router(approvals.router)
    app.include_router(admission.router)
    # Before the simulators router, whose /{system} would otherwise take this path.
    app.include_router(workforce.router)
    app.include_router(simulators.router)
    # The Temporal UI's codec endpoint (decrypts history for staff); CORS for the UI there only.
    app.mount(CODEC_PATH, create_codec_app())
    app.include_router(kpis.router)
    app.include_router(workspace.router)
    workspace.mount_workspace(app)
    instrument_api(app)  # tracing, when on
    return app


app = create_app()
