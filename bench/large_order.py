"""Large orders: one order of 10, 100 and 200 items, end to end, one after the other.

An enterprise deal can hold hundreds of items in one order; its workflow must keep up with
thousands of task events. For each size: time to completion, the worker's CPU, its peak RSS,
the order workflow's history (events, MB), the API's answer to a GET of the plan while the
order is in progress, and how long it takes to show the closed order's plan and timeline. Also
the order workflow's bookkeeping after one task event (the item and domain order states derived
from every task run), timed in this process for 1 to 1,000 items. The items are the
decomposition benchmark's mix (bench_decomposition.py); simulators at zero latency, manual tasks
completed by the field-workforce simulator.

    .venv/bin/python -m bench.large_order [--sizes 10 100 200] [--timeout 600]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from bench.bench_decomposition import build_order
from bench.common import ROOT, machine_facts, proc_stats, sticky_cache, write_result
from bench.stack import Stack
from decomposition.decompose import decompose
from store.catalog_files import load_catalog_repository
from workflows.plan_execution import PlanExecution

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
# Where each order's history is written when the run ends (--history-dir), or nowhere.
HISTORY_DIR = os.environ.get("BENCH_HISTORY_DIR", "")
WORKFORCE = "/ops/v1/simulators/field_workforce"


def bookkeeping_ms(sizes: tuple[int, ...] = (1, 10, 100, 200, 1000)) -> list[dict[str, Any]]:
    """What the order workflow computes after each task event, for plans of each size."""
    catalog = load_catalog_repository(ROOT / "catalog").latest
    rows = []
    for size in sizes:
        plan = decompose(build_order(size), catalog).plan
        assert plan is not None
        now = datetime(2026, 3, 2, tzinfo=UTC)
        execution = PlanExecution.start(plan, now)
        execution.item_states()  # the first answer counts every run (plan_tally.py)
        times = []
        for task in plan.tasks[:5]:  # each time after one task event: a task started
            execution.mark_running(task.id, now)
            start = time.perf_counter()
            execution.item_states()
            execution.domain_order_states()
            execution.items_past_point_of_no_return()
            times.append((time.perf_counter() - start) * 1000)
        rows.append({"items": size, "tasks": len(plan.tasks), "median_ms": sorted(times)[2]})
    return rows


async def live_plan(http: httpx.AsyncClient, order_id: str, took: dict[str, list[float]]) -> None:
    """GET the plan and the timeline every 5 s while the order is in progress, into `took`
    (ms). A large order's come from the rows its store writes keep (store/plan_rows.py) once
    they are all in (its first writes); before that, and for any other order, from a query on
    its workflow. Runs until the order leaves `inProgress` or the caller cancels it."""
    while True:
        order = (await http.get(f"{ORDERS}/{order_id}")).json()
        if order.get("state") != "acknowledged":
            break
        await asyncio.sleep(0.2)
    while order.get("state") == "inProgress":
        for view in ("plan", "timeline"):
            start = time.monotonic()
            answer = await http.get(f"/ops/v1/orders/{order_id}/{view}")
            ms = (time.monotonic() - start) * 1000
            took.setdefault(view if answer.status_code == 200 else f"{view} failed", []).append(ms)
        await asyncio.sleep(5)
        order = (await http.get(f"{ORDERS}/{order_id}")).json()


def live_summary(took: dict[str, list[float]]) -> str:
    if not took:
        return "not measured (the order was never in progress)"
    parts = []
    for view, times in took.items():
        ranked = sorted(times)
        over = sum(1 for t in times if t >= 500)
        parts.append(
            f"{view}: {len(times)} GETs, first {times[0]:.0f} ms, median"
            f" {ranked[len(ranked) // 2]:.0f} ms, p90 {ranked[len(ranked) * 9 // 10]:.0f} ms,"
            f" max {ranked[-1]:.0f} ms, {over} at 500 ms or more"
        )
    return "; ".join(parts)


async def run_order(
    stack: Stack, http: httpx.AsyncClient, client: Client, size: int, limit_s: float
) -> dict[str, Any]:
    assert stack.worker is not None
    body = build_order(size).model_dump(mode="json", by_alias=True, exclude_none=True)
    cpu_before = proc_stats(stack.worker.pid).cpu_seconds
    cache_before = sticky_cache(stack.env["WORKER_SDK_METRICS_PORT"])
    started = time.monotonic()
    response = await http.post(ORDERS, json=body)
    row: dict[str, Any] = {"items": size}
    if response.status_code != 201:  # where an order of this size breaks: at the POST
        row["state"] = f"refused {response.status_code}: {response.text[:300]}"
        return row
    handle = client.get_workflow_handle(f"order-{response.json()['id']}")
    took: dict[str, list[float]] = {}
    live = asyncio.create_task(live_plan(http, response.json()["id"], took))
    while True:  # admission may start it a moment after the answer
        try:
            result = await asyncio.wait_for(handle.result(), limit_s)
            row["state"] = result["state"]
            row["seconds_to_completion"] = round(time.monotonic() - started, 1)
            row["seconds_per_item"] = round(row["seconds_to_completion"] / size, 3)
            break
        except TimeoutError:
            row["state"] = f"not finished after {limit_s:.0f} s"
            break
        except Exception as err:  # not started yet, or the workflow failed
            if "not found" not in str(err).lower():
                row["state"] = f"failed after {time.monotonic() - started:.0f} s: {err!r}"[:400]
                break
            if time.monotonic() - started > limit_s:
                raise
            await asyncio.sleep(0.5)
    stats = proc_stats(stack.worker.pid)
    row["worker_cpu_s"] = round(stats.cpu_seconds - cpu_before, 2)
    row["worker_peak_rss_mb"] = round(stats.peak_rss_mb, 1)
    cache = sticky_cache(stack.env["WORKER_SDK_METRICS_PORT"])
    row["worker_cache"] = {key: cache[key] - cache_before[key] for key in cache}
    live.cancel()
    row["running_plan_get"] = live_summary(took)
    row["running_plan_ms"] = {view: [round(t) for t in times] for view, times in took.items()}
    order_id = response.json()["id"]
    for view in ("plan", "timeline"):  # after the run (closed, unless it did not finish)
        start = time.monotonic()
        answer = await http.get(f"/ops/v1/orders/{order_id}/{view}")
        ms = round((time.monotonic() - start) * 1000, 1)
        failed = f" ({answer.status_code} {answer.json().get('reason')})"
        row[f"{view}_get_ms"] = f"{ms}{'' if answer.status_code == 200 else failed}"
    # Every run of the order's workflow (it continues as new past its history threshold).
    runs = [r async for r in client.list_workflows(f"WorkflowId = '{handle.id}'")]
    runs.sort(key=lambda r: r.start_time)
    row["workflow_runs"] = len(runs)
    row["history_events"] = row["history_mb"] = row["history_bytes_server"] = 0
    row["largest_run_events"] = 0
    for n, run in enumerate(runs, 1):
        one = client.get_workflow_handle(handle.id, run_id=run.run_id)
        history = await one.fetch_history()
        if HISTORY_DIR:  # for a replay profile (bench/replay_profile.py)
            (Path(HISTORY_DIR) / f"order_{size}.run{n}.json").write_text(history.to_json())
        row["history_events"] += len(history.events)
        row["largest_run_events"] = max(row["largest_run_events"], len(history.events))
        row["history_mb"] = round(row["history_mb"] + len(history.to_json()) / 1e6, 1)
        info = (await one.describe()).raw_description.workflow_execution_info
        row["history_bytes_server"] += info.history_size_bytes  # Temporal's 50 MB is per run
    return row


async def measure(sizes: list[int], limit_s: float) -> list[dict[str, Any]]:
    stack = Stack("large")
    try:
        stack.start_server()
        stack.start_worker()
        stack.start_api()
        client = await Client.connect(stack.address, data_converter=stack.data_converter())
        async with httpx.AsyncClient(
            base_url=stack.api_url, timeout=60, headers=stack.headers()
        ) as http:
            response = await http.put(WORKFORCE, json={"autoComplete": True, "latencyMs": 0})
            assert response.status_code == 200, response.text
            return [await run_order(stack, http, client, size, limit_s) for size in sizes]
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 200])
    parser.add_argument("--timeout", type=float, default=600, help="seconds per order")
    parser.add_argument("--name", default="large_order", help="results file name")
    parser.add_argument("--history-dir", default="", help="write each order's history here")
    args = parser.parse_args()
    global HISTORY_DIR
    HISTORY_DIR = args.history_dir or HISTORY_DIR
    # The product's size limits, raised to the largest size measured (7.5 tasks per item).
    os.environ.setdefault("ORDER_MAX_ITEMS", str(max(args.sizes)))
    os.environ.setdefault("ORDER_MAX_TASKS", str(8 * max(args.sizes)))
    machine = machine_facts()
    bookkeeping = bookkeeping_ms()
    orders = asyncio.run(measure(args.sizes, args.timeout))
    table = [
        (
            f"{o['items']} items: state, seconds to completion",
            f"{o['state']}, {o.get('seconds_to_completion', '-')}"
            f" ({o.get('seconds_per_item', '-')} s per item)",
        )
        for o in orders
    ]
    table += [
        (
            f"{o['items']} items: worker CPU s / peak RSS MB; order history events / MB",
            f"{o['worker_cpu_s']} / {o['worker_peak_rss_mb']}; "
            f"{o['history_events']} / {o['history_mb']} (server: "
            f"{o['history_bytes_server'] / 1e6:.1f} MB) in {o['workflow_runs']} run(s), "
            f"the largest {o['largest_run_events']} events",
        )
        for o in orders
        if "history_events" in o
    ]
    table += [
        (
            f"{o['items']} items: workflow tasks from the worker's cache / replayed first "
            "(cache misses) / runs evicted",
            f"{o['worker_cache']['hits']} / {o['worker_cache']['misses']} / "
            f"{o['worker_cache']['evictions']}",
        )
        for o in orders
        if "worker_cache" in o
    ]
    table += [
        (f"{o['items']} items, in progress: GET plan / timeline", o["running_plan_get"])
        for o in orders
        if "running_plan_get" in o
    ]
    table += [
        (
            f"{o['items']} items, after the run ({o['state'][:20]}): GET plan / timeline (ms)",
            f"{o['plan_get_ms']} / {o['timeline_get_ms']}",
        )
        for o in orders
        if "plan_get_ms" in o
    ]
    table += [
        (f"bookkeeping after one task event, {b['items']} items ({b['tasks']} tasks)",
         f"{b['median_ms']:.1f} ms")
        for b in bookkeeping
    ]  # fmt: skip
    write_result(
        args.name,
        {"machine": machine, "orders": orders, "bookkeeping": bookkeeping},
        table,
    )


if __name__ == "__main__":
    main()
