"""Benchmark 2, orders end to end, against the engine floor measured in the same run.

On one fresh dev server (file database, WAL): first the engine floor (bench/engine_floor.py),
then N reference orders submitted through a real API process and run by a real worker process,
simulators at zero latency and failure, manual tasks completed by the field-workforce simulator.
Headline: orders/s / floor workflows/s (target >= 0.8).

    .venv/bin/python -m bench.orders [-n 140] [--concurrency 8] [--profile]

--profile samples the worker with py-spy during the measured phase and summarizes where its
time goes (bench/results/orders_profile.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from bench.common import RESULTS, machine_facts, ms, percentile, proc_stats, write_result
from bench.engine_floor import run_floor
from bench.history import history_listing, mean_cost, mean_event_types, workflow_cost
from bench.profile_summary import summarize
from bench.reference import MIX, offering_of, plan_facts, reference_order
from bench.stack import Stack

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
WORKFORCE = "/ops/v1/simulators/field_workforce"
TARGET_RATIO = 0.8


async def order_result(client: Client, order_id: str) -> dict[str, Any]:
    """The order workflow's result, once admission (api/admission.py) has started it."""
    while True:
        try:
            return dict(await client.get_workflow_handle(f"order-{order_id}").result())
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.2)


async def submit_and_wait(
    http: httpx.AsyncClient, client: Client, n: int, concurrency: int, run: str
) -> dict[str, Any]:
    """POST n reference orders (at most `concurrency` in flight), wait for every workflow."""
    gate = asyncio.Semaphore(concurrency)
    submit: list[float] = []
    sent: dict[str, float] = {}
    index: dict[int, str] = {}
    done: dict[str, float] = {}
    states: dict[str, str] = {}

    async def one(i: int) -> None:
        async with gate:
            started = time.monotonic()
            response = await http.post(
                ORDERS, json=reference_order(i, run), headers={"Idempotency-Key": f"{run}-{i}"}
            )
            submit.append(time.monotonic() - started)
        assert response.status_code == 201, response.text
        order_id = response.json()["id"]
        sent[order_id] = started
        index[i] = order_id
        result = await order_result(client, order_id)
        done[order_id] = time.monotonic()
        states[order_id] = result["state"]

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), 3600)
    return {"submit": submit, "sent": sent, "index": index, "done": done, "states": states}


def write_listings(folder: Path, listings: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for offering, listing in listings.items():
        (folder / f"{offering}.txt").write_text(listing)


def start_profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    py_spy = str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--gil"]
    command += ["--output", str(output), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def stop_profiler(profiler: subprocess.Popen[bytes]) -> None:
    profiler.send_signal(signal.SIGINT)
    profiler.wait(timeout=60)


async def run_orders(
    stack: Stack,
    n: int,
    concurrency: int,
    profile: bool,
    variant: str = "",
    name: str = "orders",
    dump: Path | None = None,
) -> dict[str, Any]:
    assert stack.server is not None
    if variant:
        stack.env["BENCH_WORKER_VARIANT"] = variant
        worker = stack.start_worker([sys.executable, "-m", "bench.worker_variant"])
    else:
        worker = stack.start_worker()
    stack.start_api()
    client = await Client.connect(stack.address, data_converter=stack.data_converter())
    run = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=60, headers=stack.headers()
    ) as http:
        response = await http.put(WORKFORCE, json={"autoComplete": True, "latencyMs": 0})
        assert response.status_code == 200, response.text
        await submit_and_wait(http, client, len(MIX), concurrency, f"warmup-{run}")
        raw_profile = RESULTS / f"{name}_profile.raw.txt"
        profiler = start_profiler(worker.pid, raw_profile) if profile else None
        server_before = proc_stats(stack.server.pid)
        worker_before = proc_stats(worker.pid)
        measured = await submit_and_wait(http, client, n, concurrency, run)
        server_after = proc_stats(stack.server.pid)
        worker_after = proc_stats(worker.pid)
        if profiler is not None:
            stop_profiler(profiler)
    order_ids = list(measured["sent"])
    # Every measured order, so the costs are of the whole fixed mix (the POSTs run
    # concurrently, so the first few sent are not one of each offering).
    costs = [await workflow_cost(client, f"order-{i}") for i in order_ids]
    if dump is not None:
        # One order of each offering, event by event (parent, then its children).
        by_offering = {offering_of(i): order_id for i, order_id in measured["index"].items()}
        listings = {
            offering: await history_listing(client, f"order-{order_id}")
            for offering, order_id in sorted(by_offering.items())
        }
        write_listings(dump, listings)
    first = min(measured["sent"].values())
    last = max(measured["done"].values())
    completion = [measured["done"][i] - measured["sent"][i] for i in order_ids]
    states: dict[str, int] = {}
    for state in measured["states"].values():
        states[state] = states.get(state, 0) + 1
    report: dict[str, Any] = {
        "orders": n,
        "concurrency": concurrency,
        "worker": f"bench.worker_variant {variant}" if variant else "oms worker",
        "final_states": states,
        "elapsed_s": round(last - first, 2),
        "orders_per_s": round(n / (last - first), 2),
        "submit_latency_ms": {
            q: ms(percentile(measured["submit"], float(q[1:]))) for q in ("p50", "p95", "p99")
        },
        "time_to_completion_ms": {
            "p50": ms(percentile(completion, 50)),
            "p99": ms(percentile(completion, 99)),
        },
        "worker_cpu_s": round(worker_after.cpu_seconds - worker_before.cpu_seconds, 2),
        "worker_peak_rss_mb": worker_after.peak_rss_mb,
        "server_cpu_s": round(server_after.cpu_seconds - server_before.cpu_seconds, 2),
        "history_per_order": mean_cost(costs),
        "event_types_per_order": mean_event_types(costs),
    }
    if profile:
        summary = summarize(raw_profile.read_text())
        raw_profile.unlink()  # large; the summary keeps what matters
        (RESULTS / f"{name}_profile.txt").write_text(summary)
        report["profile"] = f"bench/results/{name}_profile.txt"
    return report


def plan_tasks_per_order(n: int) -> float:
    """Mean plan tasks of the n reference orders (the floor runs one activity per each)."""
    return sum(plan_facts(offering_of(i))["tasks"] for i in range(n)) / n


def headline(
    floor: dict[str, Any], children: dict[str, Any], orders: dict[str, Any]
) -> dict[str, float]:
    """Issue 24's measures, each a ratio of figures taken in the same run on the same server."""
    tasks = plan_tasks_per_order(orders["orders"])

    def per_task(history: dict[str, Any]) -> float:
        return round(history.get("events", 0) / tasks, 2)

    def cpu(result: dict[str, Any], count: str) -> float:
        return float(result["worker_cpu_s"]) / result[count]

    return {
        "plan_tasks_per_order": round(tasks, 2),
        "orders_per_floor": round(orders["orders_per_s"] / floor["workflows_per_s"], 3),
        "orders_per_floor_with_children": round(
            orders["orders_per_s"] / children["workflows_per_s"], 3
        ),
        "events_per_plan_task": per_task(orders["history_per_order"]),
        "floor_events_per_plan_task": per_task(floor["history_per_workflow"]),
        "floor_with_children_events_per_plan_task": per_task(children["history_per_workflow"]),
        "worker_cpu_s_per_order": round(cpu(orders, "orders"), 4),
        "floor_worker_cpu_s_per_workflow": round(cpu(floor, "workflows"), 4),
        "floor_with_children_worker_cpu_s_per_workflow": round(cpu(children, "workflows"), 4),
        "worker_cpu_per_order_per_floor": round(
            cpu(orders, "orders") / max(cpu(floor, "workflows"), 1e-9), 2
        ),
        "worker_cpu_per_order_per_floor_with_children": round(
            cpu(orders, "orders") / max(cpu(children, "workflows"), 1e-9), 2
        ),
    }


def table(
    floor: dict[str, Any], children: dict[str, Any], orders: dict[str, Any], ratio: float
) -> list[tuple[str, str]]:
    f_hist, o_hist = floor["history_per_workflow"], orders["history_per_order"]
    ceiling = children["workflows_per_s"] / floor["workflows_per_s"]
    h = headline(floor, children, orders)
    c_hist = children["history_per_workflow"]

    def both(key: str) -> str:
        return f"{f_hist.get(key, 0)} / {o_hist.get(key, 0)}"

    return [
        (
            "**orders/s ÷ floor-with-children workflows/s** (issue 24: ≥ 0.8)",
            f"**{h['orders_per_floor_with_children']:.2f}**",
        ),
        ("**orders/s ÷ floor workflows/s** (issue 24: ≥ 0.4)", f"**{ratio:.2f}**"),
        (
            "**history events per order ÷ plan tasks** (parent and children; issue 24: ≤ 10)",
            f"**{h['events_per_plan_task']}** (floor {h['floor_events_per_plan_task']}, "
            f"floor with children {h['floor_with_children_events_per_plan_task']}; "
            f"{h['plan_tasks_per_order']} plan tasks per order)",
        ),
        (
            "**worker CPU s per order ÷ floor worker CPU s per workflow** (issue 24: ≤ 2)",
            f"**{h['worker_cpu_per_order_per_floor']}** ({h['worker_cpu_s_per_order']} / "
            f"{h['floor_worker_cpu_s_per_workflow']}; ÷ floor with children: "
            f"{h['worker_cpu_per_order_per_floor_with_children']})",
        ),
        ("floor workflows/s", str(floor["workflows_per_s"])),
        (
            "floor with as many empty child workflows as the order starts, workflows/s "
            "(÷ floor: the most those children allow)",
            f"{children['workflows_per_s']} ({ceiling:.2f})",
        ),
        (
            "orders/s ÷ floor-with-children workflows/s",
            f"{orders['orders_per_s'] / children['workflows_per_s']:.2f}",
        ),
        ("orders/s", str(orders["orders_per_s"])),
        ("orders, final states", str(orders["final_states"])),
        (
            "submit latency p50 / p95 / p99 (ms)",
            "{p50} / {p95} / {p99}".format(**orders["submit_latency_ms"]),
        ),
        (
            "order time to completion p50 / p99 (ms)",
            "{p50} / {p99}".format(**orders["time_to_completion_ms"]),
        ),
        (
            "worker CPU s: floor / floor with children / orders",
            f"{floor['worker_cpu_s']} / {children['worker_cpu_s']} / {orders['worker_cpu_s']}",
        ),
        (
            "server CPU s: floor / floor with children / orders",
            f"{floor['server_cpu_s']} / {children['server_cpu_s']} / {orders['server_cpu_s']}",
        ),
        (
            "worker peak RSS MB: floor / orders",
            f"{floor['worker_peak_rss_mb']} / {orders['worker_peak_rss_mb']}",
        ),
        (
            "floor with children: workflows / history events / workflow tasks per workflow",
            f"{c_hist.get('workflows', 0)} / {c_hist.get('events', 0)} / "
            f"{c_hist.get('workflow_tasks', 0)}",
        ),
        ("per workflow vs per order (parent + children): workflows", both("workflows")),
        ("history events", both("events")),
        ("workflow tasks", both("workflow_tasks")),
        ("activities", both("activities")),
        (
            "signals sent / received (orders)",
            f"{o_hist.get('signals_sent', 0)} / {o_hist.get('signals_received', 0)}",
        ),
        ("timers (orders)", str(o_hist.get("timers", 0))),
        (
            "search attribute upserts (orders)",
            str(o_hist.get("search_attribute_upserts", 0)),
        ),
        (
            "events per order by type (the most)",
            ", ".join(
                f"{k.lower()} {v}" for k, v in list(orders["event_types_per_order"].items())[:8]
            ),
        ),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=140, help="orders (a multiple of 7 keeps the mix)")
    parser.add_argument("--concurrency", type=int, default=8, help="POSTs in flight at most")
    parser.add_argument("--profile", action="store_true", help="py-spy the worker")
    parser.add_argument(
        "--worker-variant",
        default="",
        help="run bench/worker_variant.py with these options (unsandboxed,pollers) instead",
    )
    parser.add_argument("--name", default="orders", help="results file name")
    parser.add_argument(
        "--dump", type=Path, default=None, help="write one order of each offering's events here"
    )
    args = parser.parse_args()
    machine = machine_facts()
    stack = Stack("orders")
    try:
        stack.start_server()
        floor = await run_floor(stack, args.n)
        children = await run_floor(stack, args.n, children=True)
        orders = await run_orders(
            stack,
            args.n,
            args.concurrency,
            args.profile,
            args.worker_variant,
            args.name,
            args.dump,
        )
    finally:
        stack.stop()
    ratio = orders["orders_per_s"] / floor["workflows_per_s"]
    report = {
        "machine": machine,
        "mix": {o: plan_facts(o) for o in MIX},
        "floor": floor,
        "floor_with_children": children,
        "orders": orders,
        "ratio": round(ratio, 3),
        "headline": headline(floor, children, orders),
        "target_ratio": TARGET_RATIO,
    }
    write_result(args.name, report, table(floor, children, orders, ratio))


if __name__ == "__main__":
    asyncio.run(main())
