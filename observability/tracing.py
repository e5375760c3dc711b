"""OpenTelemetry traces: on when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTLP over HTTP), off
otherwise. One trace follows an order from its POST through the order workflow, its child
workflows and activities to the southbound call: the Temporal SDK's TracingInterceptor carries
the context in workflow and activity headers; FastAPI's instrumentation opens the API's span.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

if TYPE_CHECKING:  # the SDK is imported only when tracing is on: it costs start-up time
    from opentelemetry.sdk.trace.export import SpanExporter

from config.settings import get_settings

_enabled = False


def configure_tracing(service: str, exporter: SpanExporter | None = None) -> bool:
    """Install the process's tracer provider; True if tracing is on. `exporter` is for tests
    (spans kept in memory, exported at once); otherwise OTLP to the configured endpoint."""
    global _enabled
    endpoint = get_settings().otel_exporter_otlp_endpoint
    if exporter is None and not endpoint:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        url = f"{str(endpoint).rstrip('/')}/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    trace.set_tracer_provider(provider)
    _enabled = True
    return True


def tracing_enabled() -> bool:
    return _enabled


def temporal_interceptors() -> list[Any]:
    """For Client.connect: the SDK's tracing interceptor (workers of that client use it too)."""
    if not _enabled:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def instrument_api(app: Any) -> None:
    if _enabled:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="/metrics,/health.*")


def tracer() -> trace.Tracer:
    return trace.get_tracer("tessera")


def add_trace_ids(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the current trace and span ids in every log line, to jump from a
    log line to its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event
