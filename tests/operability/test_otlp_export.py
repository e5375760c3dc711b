"""What docker-compose's Jaeger receives: an API and a worker, each its own process, export one
order's spans by OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger's 4318 speaks it), and
the spans of both processes share the order's trace. A small OTLP/HTTP receiver stands in for
Jaeger (no Docker here)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from temporalio.testing import WorkflowEnvironment

from tests.auth import broad_headers
from tests.helpers import ORDERS, wait_for_state
from tests.operability.stack import Stack
from tests.sample_orders import sample_order

Span = tuple[str, str, str]  # service, span name, trace id (hex)


class OtlpReceiver:
    """POST /v1/traces with a protobuf ExportTraceServiceRequest, as Jaeger's collector takes."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.content_types: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received(self.path, self.headers.get("Content-Type", ""), body)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def received(self, path: str, content_type: str, body: bytes) -> None:
        assert path == "/v1/traces", path
        self.content_types.add(content_type)
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            service = next(
                (
                    a.value.string_value
                    for a in resource.resource.attributes
                    if a.key == "service.name"
                ),
                "",
            )
            for scope in resource.scope_spans:
                self.spans.extend((service, s.name, s.trace_id.hex()) for s in scope.spans)


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    running = OtlpReceiver()
    running.thread.start()
    yield running
    running.server.shutdown()


async def test_api_and_worker_export_one_orders_trace_by_otlp_http(
    temporal_env: WorkflowEnvironment, receiver: OtlpReceiver
) -> None:
    stack = Stack(
        temporal_env.client.service_client.config.target_host,
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
    )
    stack.start()
    try:
        async with httpx.AsyncClient(
            base_url=stack.api.base_url, timeout=30, headers=broad_headers()
        ) as http:
            body = sample_order("handset-nova-x5", customer=f"otlp-{uuid.uuid4()}")
            created = await http.post(ORDERS, json=body)
            assert created.status_code == 201, created.text
            order = await wait_for_state(http, created.json()["id"], timeout=90)
        assert order["state"] == "completed", order.get("errorMessage")

        # Each process exports in batches (every 5 s by default): wait for the worker's.
        def trace_of_post() -> set[Span]:
            posts = [s for s in receiver.spans if s[1].startswith("POST /tmf-api/")]
            return {s for s in receiver.spans if posts and s[2] == posts[-1][2]}

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            services = {service for service, _, _ in trace_of_post()}
            names = {name for _, name, _ in trace_of_post()}
            if services == {"tessera-api", "tessera-worker"} and any(
                n.startswith("southbound ") for n in names
            ):
                break
            await asyncio.sleep(0.5)
    finally:
        stack.stop()

    spans = trace_of_post()
    by_service = {
        service: {name for s, name, _ in spans if s == service}
        for service in ("tessera-api", "tessera-worker")
    }
    assert any(n.startswith("POST /tmf-api/") for n in by_service["tessera-api"]), by_service
    worker = by_service["tessera-worker"]
    for prefix in (
        "RunWorkflow:ProductOrder",
        "RunWorkflow:DomainOrder",
        "RunActivity:",
        "southbound ",
    ):
        assert any(n.startswith(prefix) for n in worker), (prefix, sorted(worker))
    assert receiver.content_types == {"application/x-protobuf"}
