"""Benchmark 1, the engine floor: N workflows shaped like the reference orders' plans (one no-op
activity per plan task, the same dependencies), on a fresh dev server, with a bench-only worker.

    .venv/bin/python -m bench.engine_floor [-n 140] [--with-children]

`--with-children` also runs, on the same server, the floor whose workflows each start one empty
child workflow per domain order of their plan (as an order does), and compares the two: what
the workflow executions cost by themselves, without any message between them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from temporalio.client import Client

from bench.common import machine_facts, ms, percentile, proc_stats, write_result
from bench.floor_workflow import FLOOR_WORKFLOW, FloorInput
from bench.history import mean_cost, mean_event_types, workflow_cost
from bench.reference import (
    MIX,
    children_started,
    dag_width,
    domains_started,
    floor_dag,
    offering_of,
)
from bench.stack import Stack

START_CONCURRENCY = 16


def _children_of(children: bool, per_domain: bool) -> Callable[[str], int]:
    """Empty children per floor workflow of an offering: none, one per domain order the order
    starts a child for, or (`per_domain`) one per domain."""
    if not children:
        return lambda offering: 0
    return domains_started if per_domain else children_started


async def _run_batch(
    client: Client, queue: str, ids: list[str], children: Callable[[str], int]
) -> dict[str, float]:
    """Start one floor workflow per id (order i has the DAG of offering i), wait for all."""
    gate = asyncio.Semaphore(START_CONCURRENCY)
    started: dict[str, float] = {}
    done: dict[str, float] = {}

    async def one(i: int, workflow_id: str) -> None:
        async with gate:
            started[workflow_id] = time.monotonic()
            handle = await client.start_workflow(
                FLOOR_WORKFLOW,
                FloorInput(
                    tasks=floor_dag(offering_of(i)),
                    children=children(offering_of(i)),
                ),
                id=workflow_id,
                task_queue=queue,
            )
        await handle.result()
        done[workflow_id] = time.monotonic()

    await asyncio.wait_for(asyncio.gather(*(one(i, w) for i, w in enumerate(ids))), 1800)
    return {w: done[w] - started[w] for w in ids} | {
        "_first": min(started.values()),
        "_last": max(done.values()),
    }


async def run_floor(
    stack: Stack, n: int, children: bool = False, per_domain: bool = False
) -> dict[str, Any]:
    """Runs the floor on a started server; returns its figures (the caller owns the stack)."""
    count_children = _children_of(children, per_domain)
    assert stack.server is not None
    queue = f"floor-{uuid.uuid4().hex[:8]}"
    env_queue = stack.env["TESSERA_TASK_QUEUE"]
    stack.env["TESSERA_TASK_QUEUE"] = queue
    worker = stack.start_worker([sys.executable, "-m", "bench.floor_worker"])
    stack.env["TESSERA_TASK_QUEUE"] = env_queue
    try:
        client = await Client.connect(stack.address)
        run = uuid.uuid4().hex[:6]
        warmup = [f"floor-warmup-{run}-{i}" for i in range(len(MIX))]
        await _run_batch(client, queue, warmup, count_children)
        server_before = proc_stats(stack.server.pid)
        worker_before = proc_stats(worker.pid)
        ids = [f"floor-{run}-{i}" for i in range(n)]
        timings = await _run_batch(client, queue, ids, count_children)
        server_after = proc_stats(stack.server.pid)
        worker_after = proc_stats(worker.pid)
        costs = [await workflow_cost(client, w) for w in ids[: len(MIX)]]
    finally:
        stack.stop_worker()
    elapsed = timings["_last"] - timings["_first"]
    latencies = [timings[w] for w in ids]
    dags = {o: floor_dag(o) for o in MIX}
    return {
        "children_per_workflow": round(
            sum(count_children(offering_of(i)) for i in range(n)) / n, 2
        ),
        "workflows": n,
        "elapsed_s": round(elapsed, 2),
        "workflows_per_s": round(n / elapsed, 2),
        "activities_per_workflow": round(sum(len(dags[offering_of(i)]) for i in range(n)) / n, 2),
        "dag_width": {o: dag_width(d) for o, d in dags.items()},
        "time_to_completion_ms": {
            "p50": ms(percentile(latencies, 50)),
            "p99": ms(percentile(latencies, 99)),
        },
        "worker_cpu_s": round(worker_after.cpu_seconds - worker_before.cpu_seconds, 2),
        "worker_peak_rss_mb": worker_after.peak_rss_mb,
        "server_cpu_s": round(server_after.cpu_seconds - server_before.cpu_seconds, 2),
        "history_per_workflow": mean_cost(costs),
        "event_types_per_workflow": mean_event_types(costs),
    }


def table(floor: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("workflows", str(floor["workflows"])),
        ("workflows/s", str(floor["workflows_per_s"])),
        ("no-op activities per workflow (mean)", str(floor["activities_per_workflow"])),
        (
            "time to completion p50 / p99 (ms)",
            "{p50} / {p99}".format(**floor["time_to_completion_ms"]),
        ),
        ("worker CPU s / server CPU s", f"{floor['worker_cpu_s']} / {floor['server_cpu_s']}"),
        ("history events per workflow", str(floor["history_per_workflow"].get("events"))),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-n", type=int, default=140, help="workflows (a multiple of 7 keeps the mix)"
    )
    parser.add_argument(
        "--with-children", action="store_true", help="also the floor with empty children"
    )
    parser.add_argument(
        "--per-domain",
        action="store_true",
        help="with --with-children: also the floor with one empty child per domain",
    )
    parser.add_argument("--name", default="engine_floor_children", help="results file name")
    args = parser.parse_args()
    machine = machine_facts()
    stack = Stack("floor")
    try:
        stack.start_server()
        floor = await run_floor(stack, args.n)
        with_children = (
            await run_floor(stack, args.n, children=True) if args.with_children else None
        )
        per_domain = (
            await run_floor(stack, args.n, children=True, per_domain=True)
            if args.with_children and args.per_domain
            else None
        )
    finally:
        stack.stop()
    if with_children is None:
        write_result("engine_floor", {"machine": machine, "floor": floor}, table(floor))
        return
    ratio = round(with_children["workflows_per_s"] / floor["workflows_per_s"], 3)
    rows = [
        ("empty children per workflow (mean)", str(with_children["children_per_workflow"])),
        ("**with children ÷ plain, workflows/s**", f"**{ratio}**"),
    ]
    floors = [("plain", floor), ("with children", with_children)]
    if per_domain is not None:
        rows += [
            (
                "one empty child per domain, per workflow (mean)",
                str(per_domain["children_per_workflow"]),
            ),
            (
                "**one child per domain ÷ plain, workflows/s**",
                f"**{round(per_domain['workflows_per_s'] / floor['workflows_per_s'], 3)}**",
            ),
        ]
        floors.append(("one child per domain", per_domain))
    for name, result in floors:
        rows += [(f"{name}: {label}", value) for label, value in table(result)]
        rows.append(
            (
                f"{name}: worker CPU s per workflow",
                str(round(result["worker_cpu_s"] / result["workflows"], 4)),
            )
        )
    report = {
        "machine": machine,
        "floor": floor,
        "with_children": with_children,
        "per_domain": per_domain,
        "ratio": ratio,
    }
    write_result(args.name, report, rows)


if __name__ == "__main__":
    asyncio.run(main())
