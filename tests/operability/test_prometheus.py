"""A real Prometheus (Debian's, scripts/ensure-prometheus.sh) scrapes a running API and worker,
and PromQL over what it scraped names the offering of the order that completed."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from cli.local_stack import end_process
from tests.auth import broad_headers
from tests.conftest import ROOT, free_port
from tests.helpers import ORDERS, eventually, wait_for_state
from tests.operability.stack import Stack, stack
from tests.sample_orders import sample_order

__all__ = ["stack"]

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
OFFERING = "iptv"


@pytest.fixture
def prometheus(stack: Stack, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    targets = {
        "api": [stack.api.base_url.removeprefix("http://")],
        "worker": [stack.worker_url.removeprefix("http://")],
    }
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": hosts}]}
            for job, hosts in targets.items()
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url
    end_process(process, signal.SIGTERM)


def query(url: str, promql: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=10).json()
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


async def test_promql_over_scraped_metrics_names_the_completed_orders_offering(
    stack: Stack, prometheus: str
) -> None:
    async with httpx.AsyncClient(
        base_url=stack.api.base_url, timeout=30, headers=broad_headers()
    ) as http:
        workforce = "/ops/v1/simulators/field-workforce"
        await http.put(workforce, json={"autoComplete": True, "latencyMs": 100})
        try:
            body = sample_order(OFFERING, customer=f"prom-{uuid.uuid4()}")
            created = await http.post(ORDERS, json=body)
            order = await wait_for_state(http, created.json()["id"], timeout=90)
        finally:
            await http.put(workforce, json={"autoComplete": False, "latencyMs": 0})
    assert order["state"] == "completed"

    promql = 'sum by (offering) (tessera_orders_closed_total{job="worker", state="completed"})'

    async def offerings() -> set[str] | None:
        found = await asyncio.to_thread(query, prometheus, promql)
        seen = {str(r["metric"]["offering"]) for r in found}  # type: ignore[index]
        return seen if OFFERING in seen else None

    await eventually(offerings, timeout=30, what=f"{OFFERING} in {promql}")
    # Both targets are up, and the SDK's worker metrics were scraped too.
    up = await asyncio.to_thread(query, prometheus, "up")
    assert {str(r["metric"]["job"]): r["value"][1] for r in up} == {"api": "1", "worker": "1"}  # type: ignore[index]
    # The SDK's metrics that the alert rules and the dashboard use (deploy/) were scraped.
    for name in sdk_metrics_used_in_deploy():
        found = await asyncio.to_thread(query, prometheus, f'count({{__name__="{name}"}})')
        assert found, f"{name} (used in deploy/) is not among the worker's metrics"


def sdk_metrics_used_in_deploy() -> set[str]:
    deploy = ROOT / "deploy"
    texts = [
        (deploy / "prometheus" / "alerts.yml").read_text(),
        (deploy / "grafana" / "dashboards" / "tessera.json").read_text(),
    ]
    names = {name for text in texts for name in re.findall(r"\btemporal_[a-z_]+", text)}
    assert names, "the alerts and dashboard use the SDK's worker metrics"
    return names
