"""After an order completes, the API's and the worker's /metrics show it, by exact amounts."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from activities.southbound.contract import ACTIVITY_NAMES
from tests.auth import broad_headers
from tests.helpers import ORDERS, wait_for_state
from tests.operability.stack import Stack, scrape, stack, value
from tests.sample_orders import sample_order

__all__ = ["stack"]

OFFERING = "dsl-broadband"
ORDER_ROUTE = "/tmf-api/productOrderingManagement/v4/productOrder"


async def test_a_completed_order_moves_the_counters_by_exactly_its_facts(stack: Stack) -> None:
    api_before, worker_before = scrape(stack.api.base_url), scrape(stack.worker_url)
    async with httpx.AsyncClient(
        base_url=stack.api.base_url, timeout=30, headers=broad_headers()
    ) as http:
        workforce = "/ops/v1/simulators/field-workforce"
        await http.put(workforce, json={"autoComplete": True, "latencyMs": 100})
        try:
            body = sample_order(OFFERING, customer=f"metrics-{uuid.uuid4()}")
            created = await http.post(ORDERS, json=body)
            assert created.status_code == 201
            order = await wait_for_state(http, created.json()["id"], timeout=90)
        finally:
            await http.put(workforce, json={"autoComplete": False, "latencyMs": 0})
        plan = (await http.get(f"/ops/v1/orders/{order['id']}/plan")).json()
    assert order["state"] == "completed"
    api_after, worker_after = scrape(stack.api.base_url), scrape(stack.worker_url)

    def api_moved(name: str, **labels: str) -> float:
        return value(api_after, name, **labels) - value(api_before, name, **labels)

    def worker_moved(name: str, **labels: str) -> float:
        return value(worker_after, name, **labels) - value(worker_before, name, **labels)

    assert api_moved("tessera_orders_accepted_total", offering=OFFERING, channel="web") == 1
    post = {"route": ORDER_ROUTE, "method": "POST"}
    assert api_moved("tessera_http_requests_total", status="201", **post) == 1
    assert api_moved("tessera_http_request_duration_seconds_count", **post) == 1

    closed = {"offering": OFFERING, "channel": "web"}
    assert worker_moved("tessera_orders_closed_total", state="completed", **closed) == 1
    assert worker_moved("tessera_orders_closed_total", state="failed", **closed) == 0
    assert worker_moved("tessera_order_cycle_time_seconds_count", offering=OFFERING) == 1
    took = datetime.fromisoformat(order["completionDate"]) - datetime.fromisoformat(
        order["orderDate"]
    )
    cycle = worker_moved("tessera_order_cycle_time_seconds_sum", offering=OFFERING)
    assert cycle == pytest.approx(took.total_seconds(), abs=0.01)

    # One successful call per system task of the plan, none anywhere else.
    calls = Counter(t["activity"] for t in plan["tasks"] if t.get("activity") in ACTIVITY_NAMES)
    assert calls, "the sample order should call southbound systems"
    for activity in ACTIVITY_NAMES:
        system, operation = activity.split(".", 1)
        where = {"system": system, "operation": operation}
        moved = worker_moved("tessera_southbound_calls_total", outcome="success", **where)
        assert moved == calls[activity], activity
        assert (
            worker_moved("tessera_southbound_call_duration_seconds_count", **where)
            == (calls[activity])
        )
    # The Temporal SDK's own worker metrics are on the same page.
    assert any(name.startswith("temporal_") for name, _ in worker_after)


DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# A metric a query names, with the job its selector names if any: `name{job="api", ...}`.
METRIC_IN_QUERY = re.compile(r'\b((?:tessera|temporal)_[a-z0-9_]+)(?:\{[^}]*job="(\w+)")?')


def _queries() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "tessera.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return exprs + [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def exposed(url: str) -> set[str]:
    """Every series name a /metrics page declares: a counter family as `_total`, a histogram
    as `_bucket`/`_sum`/`_count`, declared even before its first sample (no label values yet)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(family.name + s for s in suffixes.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


async def test_every_metric_the_dashboard_and_alerts_query_is_served_by_its_job(
    stack: Stack,
) -> None:
    """The deploy/ files against the real pages: every name a Grafana panel or an alert rule
    queries is on the /metrics of the job it names (api: the API, worker: the worker), or of
    either when it names none. The Temporal SDK's histograms appear once the worker has done
    work, so an order completes first."""
    async with httpx.AsyncClient(
        base_url=stack.api.base_url, timeout=30, headers=broad_headers()
    ) as http:
        body = sample_order("handset-nova-x5", customer=f"deploy-{uuid.uuid4()}")
        created = await http.post(ORDERS, json=body)
        assert created.status_code == 201, created.text
        await wait_for_state(http, created.json()["id"], timeout=90)
    pages = {"api": exposed(stack.api.base_url), "worker": exposed(stack.worker_url)}

    used = {(name, job) for q in _queries() for name, job in METRIC_IN_QUERY.findall(q)}
    assert len({name for name, _ in used}) >= 15, used  # the files were read
    missing = sorted(
        (name, job or "any")
        for name, job in used
        if name not in (pages[job] if job else pages["api"] | pages["worker"])
    )
    assert missing == []
    # What issue 23 asked for is there: tasks in jeopardy by level, resolutions as a counter.
    assert {"tessera_tasks_open_by_jeopardy", "tessera_fallout_cases_resolved_total"} <= {
        name for name, _ in used
    }
