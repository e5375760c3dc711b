"""The worker's HTTP endpoint for Prometheus and an orchestrator: /metrics, /health/live and
/health/ready, on WORKER_METRICS_PORT.

/metrics joins the process's own metrics (southbound calls, closed orders, cycle times) with the
Temporal SDK's worker metrics (task slots, poll latencies, schedule-to-start), which the SDK's
Rust core exports on a loopback port of its own (`sdk_runtime`). One scrape target per worker.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from collections.abc import Callable, Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from observability.health import Readiness
from observability.logs import get_logger

log = get_logger(__name__)


def sdk_runtime(sdk_metrics_port: int) -> Runtime:
    """A Temporal runtime whose worker metrics Prometheus can read (loopback only)."""
    bind = f"127.0.0.1:{sdk_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind)))


class WorkerEndpoint:
    """A small threaded HTTP server beside the worker's event loop."""

    def __init__(
        self,
        host: str,
        port: int,
        sdk_metrics_port: int | None,
        check_ready: Callable[[], Coroutine[Any, Any, Readiness]],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.sdk_url = f"http://127.0.0.1:{sdk_metrics_port}/metrics" if sdk_metrics_port else None
        self.check_ready = check_ready
        self.loop = loop
        self.running = False  # set once the worker polls its task queue
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                status, content_type, body = endpoint.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:  # scrapes are not news
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self.thread.start()
        log.info("worker endpoint listening", port=self.port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        path = path.split("?", 1)[0]
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest() + self.sdk_metrics()
        if path == "/health/live":
            return 200, "application/json", b'{"status": "live"}'
        if path == "/health/ready":
            return self.readiness()
        return 404, "text/plain", b"not found"

    def sdk_metrics(self) -> bytes:
        if not self.sdk_url:
            return b""
        try:
            with urllib.request.urlopen(self.sdk_url, timeout=2) as response:
                return bytes(response.read())
        except OSError as error:
            log.warning("SDK metrics unavailable", error=str(error))
            return b""

    def readiness(self) -> tuple[int, str, bytes]:
        import json

        if not self.running:
            state = Readiness({"worker": "failed: not polling yet"})
        else:
            future = asyncio.run_coroutine_threadsafe(self.check_ready(), self.loop)
            try:
                state = future.result(timeout=10)
            except Exception as error:
                state = Readiness({"worker": f"failed: {type(error).__name__}"})
            state.checks["worker"] = "ok"
        body = json.dumps(state.as_json()).encode()
        return (200 if state.ready else 503), "application/json", body
