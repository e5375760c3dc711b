"""Runs one order through the API and a worker in this process with spans kept in memory, and
prints the spans as JSON lines (a process of its own: the tracer provider is process-global).
Used by test_tracing.py."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from observability.tracing import configure_tracing

EXPORTER = InMemorySpanExporter()
configure_tracing("tessera-test", EXPORTER)

from api.app import create_app  # noqa: E402 (after tracing is on)
from observability.logs import configure_logging  # noqa: E402
from temporal_client import connect_temporal  # noqa: E402
from tests.auth import broad_headers  # noqa: E402
from tests.helpers import ORDERS, wait_for_state  # noqa: E402
from tests.sample_orders import sample_order  # noqa: E402
from worker import build_worker  # noqa: E402

WORKFORCE = "/ops/v1/simulators/field-workforce"


async def main(offering: str) -> None:
    configure_logging()
    client = await connect_temporal()
    app = create_app()
    async with build_worker(client):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api", headers=broad_headers()
        ) as http:
            await http.put(WORKFORCE, json={"autoComplete": True, "latencyMs": 100})
            try:
                body = sample_order(offering, customer=f"trace-{uuid.uuid4()}")
                created = await http.post(ORDERS, json=body)
                order = await wait_for_state(http, created.json()["id"], timeout=90)
            finally:
                await http.put(WORKFORCE, json={"autoComplete": False, "latencyMs": 0})
    print(json.dumps({"order": order["id"], "state": order["state"]}))
    for span in EXPORTER.get_finished_spans():
        context = span.get_span_context()
        assert context is not None
        print(
            json.dumps(
                {
                    "name": span.name,
                    "trace_id": format(context.trace_id, "032x"),
                    "span_id": format(context.span_id, "016x"),
                    "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                    "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
                }
            )
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
