"""Benchmark 5, memory: N orders waiting on a manual task (field-workforce simulator off);
the worker's peak RSS. Target: < 500 MB for 10,000 orders.

Submits through the API (at most --concurrency in flight) orders of the offerings whose plan has
exactly one manual task, so open manual tasks == waiting orders; samples the worker's RSS every
second and records it at every tenth of N. Bounded by --timeout: if N is not reached, the report
says how many orders were waiting and how long it took.

    .venv/bin/python -m bench.memory [-n 10000] [--timeout 3600]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

import httpx

from bench.common import machine_facts, proc_stats, sticky_cache, write_result
from bench.reference import MIX, plan_of, reference_order
from bench.stack import Stack

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
WORKFORCE = "/ops/v1/simulators/field_workforce"
TARGET_MB = 300.0  # issue 24 (issue 8 asked < 500)


def one_manual_task(offering: str) -> bool:
    return sum(1 for t in plan_of(offering).tasks if t.kind.value == "manual") == 1


def open_tasks() -> int:
    from store.tasks import TaskFilter, list_tasks

    return list_tasks(TaskFilter(state="open"), 0, 1)[1]


async def run(stack: Stack, n: int, concurrency: int, budget_s: float) -> dict[str, Any]:
    assert stack.worker is not None
    offerings = [o for o in MIX if one_manual_task(o)]
    pid = stack.worker.pid
    run_id = uuid.uuid4().hex[:6]
    started = time.monotonic()
    deadline = started + budget_s
    checkpoints: list[dict[str, Any]] = []
    gate = asyncio.Semaphore(concurrency)
    peak = 0.0

    async def submit(http: httpx.AsyncClient, i: int) -> None:
        async with gate:
            if time.monotonic() < deadline:
                body = reference_order(i, run_id, offerings[i % len(offerings)])
                response = await http.post(ORDERS, json=body)
                assert response.status_code == 201, response.text

    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=60, headers=stack.headers()
    ) as http:
        response = await http.put(WORKFORCE, json={"autoComplete": False, "latencyMs": 0})
        assert response.status_code == 200
        submitting = [asyncio.create_task(submit(http, i)) for i in range(n)]
        waiting = 0
        next_mark = max(1, n // 10)
        while waiting < n and time.monotonic() < deadline:
            await asyncio.sleep(1)
            stats = proc_stats(pid)
            peak = max(peak, stats.peak_rss_mb)
            waiting = await asyncio.to_thread(open_tasks)
            if waiting >= next_mark or waiting >= n:
                checkpoints.append(
                    {
                        "waiting": waiting,
                        "seconds": round(time.monotonic() - started, 1),
                        "rss_mb": stats.rss_mb,
                        "cpu_s": stats.cpu_seconds,
                        "cache": sticky_cache(stack.env["WORKER_SDK_METRICS_PORT"]),
                        "load_average": [round(x, 2) for x in os.getloadavg()],
                    }
                )
                print(checkpoints[-1], flush=True)
                next_mark = (waiting // max(1, n // 10) + 1) * max(1, n // 10)
        for task in submitting:
            task.cancel()
        await asyncio.gather(*submitting, return_exceptions=True)
    await asyncio.sleep(5)  # settle: the last activations finish
    final = proc_stats(pid)
    cache = sticky_cache(stack.env["WORKER_SDK_METRICS_PORT"])
    return {
        "orders_requested": n,
        "orders_waiting": waiting,
        "reached": waiting >= n,
        "seconds": round(time.monotonic() - started, 1),
        "offerings": offerings,
        "worker_rss_mb": final.rss_mb,
        "worker_peak_rss_mb": max(peak, final.peak_rss_mb),
        "worker_cpu_s": final.cpu_seconds,
        "worker_cache": cache,
        "checkpoints": checkpoints,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds, at most")
    parser.add_argument("--name", default="memory", help="results file name")
    args = parser.parse_args()
    machine = machine_facts()
    cache = int(os.environ.get("WORKER_MAX_CACHED_WORKFLOWS", "1000"))
    stack = Stack("memory")
    os.environ["DATABASE_URL"] = stack.env["DATABASE_URL"]  # open_tasks reads the bench's store
    try:
        stack.start_server()
        stack.start_worker()
        stack.start_api()
        result = await run(stack, args.n, args.concurrency, args.timeout)
    finally:
        stack.stop()
    table = [
        ("orders waiting on a manual task", f"{result['orders_waiting']} of {args.n}"),
        ("time to get them waiting", f"{result['seconds']} s"),
        ("**worker peak RSS MB** (issue 24: < 300)", f"**{result['worker_peak_rss_mb']}**"),
        ("worker RSS at the end MB", str(result["worker_rss_mb"])),
        ("cached workflow runs at most (WORKER_MAX_CACHED_WORKFLOWS)", str(cache)),
        ("worker CPU s", str(result["worker_cpu_s"])),
        (
            "workflow tasks from the worker's cache / replayed first (cache misses) / evictions",
            "{hits} / {misses} / {evictions}".format(**result["worker_cache"]),
        ),
    ]
    record = {"machine": machine, "result": result, "target_mb": TARGET_MB, "cache": cache}
    write_result(args.name, record, table)


if __name__ == "__main__":
    asyncio.run(main())
