"""Probes an orchestrator uses: live, ready, and why not ready."""

from __future__ import annotations

import httpx

from tests.auth import broad_headers
from tests.conftest import free_port
from tests.operability.stack import PatientApiServer, Stack, scrape, stack, value

__all__ = ["stack"]


def test_api_and_worker_are_live_and_ready(stack: Stack) -> None:
    for base in (stack.api.base_url, stack.worker_url):
        assert httpx.get(f"{base}/health/live").status_code == 200
        ready = httpx.get(f"{base}/health/ready")
        assert ready.status_code == 200, ready.text
        checks = ready.json()["checks"]
        assert checks["database"] == "ok" and checks["temporal"] == "ok"
    api_checks = httpx.get(f"{stack.api.base_url}/health/ready").json()["checks"]
    assert api_checks["catalog"].startswith("ok: version ")
    assert httpx.get(f"{stack.api.base_url}/health").json() == {"status": "ok"}


def test_api_without_temporal_is_live_but_not_ready() -> None:
    cut_off = PatientApiServer(free_port(), env={"TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"})
    cut_off.start()
    try:
        live = httpx.get(f"{cut_off.base_url}/health/live")
        ready = httpx.get(f"{cut_off.base_url}/health/ready", timeout=30)
    finally:
        cut_off.stop()
    assert live.status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not ready"
    assert body["checks"]["temporal"].startswith("failed")
    assert body["checks"]["database"] == "ok"


def test_unknown_paths_share_one_label_value(stack: Stack) -> None:
    before = scrape(stack.api.base_url)
    for n in range(3):
        unknown = httpx.get(f"{stack.api.base_url}/no/such/{n}", headers=broad_headers())
        assert unknown.status_code == 404
    after = scrape(stack.api.base_url)
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    moved = value(after, "tessera_http_requests_total", **labels) - value(
        before, "tessera_http_requests_total", **labels
    )
    assert moved == 3
    assert not any("/no/such" in str(key) for key in after)
