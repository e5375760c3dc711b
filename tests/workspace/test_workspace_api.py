"""The small read endpoints the workspace needs: order search, KPIs, its config; the pages
themselves served at /workspace; and the same operations in the CLI (`oms orders`, `oms tasks`)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import ROOT, ApiServer
from tests.fallout.conftest import Breaker, wait_for_cases
from tests.helpers import ORDERS, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order


async def _order(http: httpx.AsyncClient, offering: str, customer: str) -> str:
    created = await http.post(ORDERS, json=sample_order(offering, customer=customer))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_the_pages_and_their_config_are_served(http: httpx.AsyncClient) -> None:
    page = await http.get("/workspace/")
    assert page.status_code == 200 and "<title>Tessera workspace</title>" in page.text
    script = await http.get("/workspace/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "https://" not in page.text  # nothing fetched from elsewhere
    config = (await http.get("/ops/v1/workspace/config")).json()
    assert config["signIn"] == "local" and config["oidcIssuer"] is None
    assert config["temporalUiUrl"].startswith("http")


async def test_order_search_finds_by_text_state_and_open_fallout(
    http: httpx.AsyncClient, break_system: Breaker
) -> None:
    customer = f"search-{uuid.uuid4()}"
    handset = await _order(http, "handset-nova-x5", customer)
    await wait_for_state(http, handset)
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    held = await _order(http, "handset-nova-x5", customer)
    await wait_for_cases(http, {"orderId": held, "state": "open"}, 1)

    found = (await http.get("/ops/v1/orders", params={"q": customer})).json()
    assert [o["id"] for o in found] == [held, handset]  # newest first
    row = found[1]
    assert row["state"] == "completed" and row["offerings"] == ["handset-nova-x5"]
    assert row["customerId"] == customer and row["channel"] == "web" and row["openFallout"] == 0
    assert found[0]["openFallout"] == 1
    only_fallout = await http.get("/ops/v1/orders", params={"q": customer, "fallout": "open"})
    assert [o["id"] for o in only_fallout.json()] == [held]
    assert only_fallout.headers["X-Total-Count"] == "1"
    completed = await http.get("/ops/v1/orders", params={"q": customer, "state": "completed"})
    assert [o["id"] for o in completed.json()] == [handset]
    bad = await http.get("/ops/v1/orders", params={"jeopardy": "purple"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidQuery"
    unknown = await http.get("/ops/v1/orders", params={"colour": "red"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "UnsupportedFilter"
    # Billing back before the next test orders: each process caches the fault settings 1 s.
    await http.delete("/ops/v1/simulators/billing")
    await asyncio.sleep(1.0)


async def test_kpis_count_the_orders_of_the_period(http: httpx.AsyncClient) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    order_id = await _order(http, "handset-nova-x5", f"kpi-{uuid.uuid4()}")
    await wait_for_state(http, order_id)
    period = {
        "from": start.isoformat(),
        "to": (datetime.now(UTC) + timedelta(seconds=1)).isoformat(),
    }

    kpis = (await http.get("/ops/v1/kpis", params=period)).json()

    assert kpis["orders"] >= 1 and sum(kpis["ordersByState"].values()) == kpis["orders"]
    assert kpis["ordersByState"].get("completed", 0) >= 1
    handset = next(r for r in kpis["cycleTimeByOffering"] if r["offering"] == "handset-nova-x5")
    assert 0 < handset["medianSeconds"] <= handset["p90Seconds"] < 120
    charge = next(r for r in kpis["taskTimes"] if r["task"] == "Charge the handset")
    assert charge["runs"] >= 1 and charge["expectedSeconds"] > 0
    empty = (
        await http.get(
            "/ops/v1/kpis", params={"from": "2001-01-01T00:00:00Z", "to": "2001-01-02T00:00:00Z"}
        )
    ).json()
    assert empty["orders"] == 0 and empty["falloutRate"] is None
    backwards = await http.get(
        "/ops/v1/kpis", params={"from": "2001-01-02T00:00:00Z", "to": "2001-01-01T00:00:00Z"}
    )
    assert backwards.status_code == 400


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def _oms(api_server: ApiServer, *args: str) -> Ran:
    """`oms ...` as its own process; awaited, so the worker in this process keeps running."""
    env = {**os.environ, "TESSERA_API_URL": api_server.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def test_the_cli_lists_orders_shows_the_plan_and_completes_a_task(
    http: httpx.AsyncClient, api_server: ApiServer
) -> None:
    customer = f"cli-{uuid.uuid4()}"
    order_id = await _order(http, "fiber-broadband", customer)
    task = await wait_for_open_task(http, order_id, timeout=60)

    listed = await _oms(api_server, "orders", "list", "-q", customer)
    assert listed.returncode == 0, listed.stderr
    assert order_id in listed.stdout and "fiber-broadband" in listed.stdout
    shown = await _oms(api_server, "orders", "show", order_id)
    assert "item 1" in shown.stdout and "29.99 EUR/month" in shown.stdout
    plan = await _oms(api_server, "orders", "plan", order_id)
    assert f"running    {task['taskId']}" in plan.stdout
    timeline = await _oms(api_server, "orders", "timeline", order_id)
    assert timeline.returncode == 0, timeline.stderr
    critical = (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json()["criticalPath"]
    starred = [line.split()[1] for line in timeline.stdout.splitlines() if line.startswith("*")]
    assert sorted(starred) == sorted(task_id[:48] for task_id in critical)

    inbox = await _oms(api_server, "tasks", "list", "--queue", "field-install")
    assert task["id"] in inbox.stdout and "installedAt, serialNumber" in inbox.stdout
    claimed = await _oms(api_server, "tasks", "claim", task["id"], "--assignee", "tomas")
    assert claimed.returncode == 0 and json.loads(claimed.stdout)["state"] == "claimed"
    # Handing the task on takes a fulfillment manager: a technician's `assign` is refused.
    not_a_manager = await _oms(api_server, "tasks", "assign", task["id"], "--to", "ines")
    assert not_a_manager.returncode == 1 and "403" in not_a_manager.stderr
    manager = ["tasks", "--role", "fulfillment-manager", "assign", task["id"], "--by", "mgr-mia"]
    handed = await _oms(api_server, *manager, "--to", "ines", "--reason", "tomas is away")
    assert handed.returncode == 0, handed.stderr
    assert json.loads(handed.stdout)["assignee"] == "ines"
    refused = await _oms(
        api_server,
        "tasks",
        "complete",
        task["id"],
        "--by",
        "ines",
        "--result",
        '{"serialNumber": "S1"}',
    )
    assert refused.returncode == 1 and "422" in refused.stderr
    done = await _oms(
        api_server,
        "tasks",
        "complete",
        task["id"],
        "--by",
        "ines",
        "--result",
        '{"installedAt": "2026-12-07T10:00:00Z", "serialNumber": "S1"}',
    )
    assert done.returncode == 0, done.stderr
    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"
    missing = await _oms(api_server, "orders", "show", "no-such-order")
    assert missing.returncode == 1 and "404" in missing.stderr
