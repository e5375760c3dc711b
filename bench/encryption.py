"""Orders with payload encryption on and off, in one run on one server (issue 19).

The orders benchmark (bench/orders.py: reference orders POSTed through a real API, run by a real
worker, manual tasks completed by the field-workforce simulator) in phases that alternate
encryption on (the product: AES-256-GCM codec on every payload) and off (`bench.clear_payloads`:
the same converter without the codec, in worker, API and the bench's client), on the same
Temporal server and store: on, off, off, on, ... so that a drift of the shared machine's load
falls on both alike. Each phase restarts worker and API and warms up first. Reported per mode:
orders/s, worker and server CPU per order, time to completion; each phase checks from raw
history that its payloads were (or were not) encrypted.

    .venv/bin/python -m bench.encryption [-n 35] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from typing import Any

from temporalio.client import Client

from bench.common import machine_facts, write_result
from bench.orders import run_orders
from bench.stack import Stack

# base64 of the codec's `encoding: binary/encrypted` metadata, as it reads in history JSON.
ENCRYPTED_MARK = "YmluYXJ5L2VuY3J5cHRlZA"


async def last_order_encrypted(stack: Stack) -> bool:
    """Whether the newest order's raw history holds encrypted payloads (read without a codec)."""
    client = await Client.connect(stack.address)
    newest = None
    async for execution in client.list_workflows("WorkflowType = 'ProductOrder'", limit=1):
        newest = execution.id
    assert newest is not None, "no order in this phase"
    history = await client.get_workflow_handle(newest).fetch_history()
    return ENCRYPTED_MARK in history.to_json()


async def phase(stack: Stack, mode: str, n: int, concurrency: int) -> dict[str, Any]:
    stack.clear_payloads = mode == "off"
    try:
        report = await run_orders(stack, n, concurrency, profile=False, name=f"encryption_{mode}")
        report["encrypted_history"] = await last_order_encrypted(stack)
    finally:
        stack.stop_api()
        stack.stop_worker()
    assert report["encrypted_history"] == (mode == "on"), f"phase {mode}: wrong payloads"
    return report


def summary(phases: list[dict[str, Any]], n: int) -> dict[str, Any]:
    def mean(key: str) -> float:
        return statistics.fmean(p[key] for p in phases)

    return {
        "phases": len(phases),
        "orders_per_s": round(mean("orders_per_s"), 2),
        "orders_per_s_each": [p["orders_per_s"] for p in phases],
        "worker_cpu_ms_per_order": round(1000 * mean("worker_cpu_s") / n, 1),
        "worker_cpu_ms_per_order_each": [round(1000 * p["worker_cpu_s"] / n, 1) for p in phases],
        "server_cpu_ms_per_order": round(1000 * mean("server_cpu_s") / n, 1),
        "completion_p50_ms": round(
            statistics.fmean(p["time_to_completion_ms"]["p50"] for p in phases), 1
        ),
        "final_states": [p["final_states"] for p in phases],
    }


def table(on: dict[str, Any], off: dict[str, Any]) -> list[tuple[str, str]]:
    def change(key: str) -> str:
        return f"{100 * (on[key] - off[key]) / off[key]:+.1f}%"

    return [
        ("mode", "encryption on / off (change)"),
        ("phases of each", f"{on['phases']} / {off['phases']}"),
        (
            "**orders/s** (mean of phases)",
            f"**{on['orders_per_s']} / {off['orders_per_s']}** ({change('orders_per_s')})",
        ),
        ("orders/s, each phase", f"{on['orders_per_s_each']} / {off['orders_per_s_each']}"),
        (
            "**worker CPU ms per order**",
            f"**{on['worker_cpu_ms_per_order']} / {off['worker_cpu_ms_per_order']}** "
            f"({change('worker_cpu_ms_per_order')})",
        ),
        (
            "worker CPU ms per order, each phase",
            f"{on['worker_cpu_ms_per_order_each']} / {off['worker_cpu_ms_per_order_each']}",
        ),
        (
            "server CPU ms per order",
            f"{on['server_cpu_ms_per_order']} / {off['server_cpu_ms_per_order']} "
            f"({change('server_cpu_ms_per_order')})",
        ),
        (
            "time to completion p50 ms",
            f"{on['completion_p50_ms']} / {off['completion_p50_ms']}",
        ),
        ("final states", f"{on['final_states']} / {off['final_states']}"),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=35, help="orders per phase (multiple of 7)")
    parser.add_argument("--rounds", type=int, default=2, help="phases of each mode")
    parser.add_argument("--concurrency", type=int, default=8, help="POSTs in flight at most")
    parser.add_argument("--name", default="encryption", help="results file name")
    args = parser.parse_args()
    machine = machine_facts()
    stack = Stack("encryption")
    runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    try:
        stack.start_server()
        for round_ in range(args.rounds):
            for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                runs[mode].append(await phase(stack, mode, args.n, args.concurrency))
                print(f"encryption {mode}: {runs[mode][-1]['orders_per_s']} orders/s", flush=True)
    finally:
        stack.stop()
    on, off = summary(runs["on"], args.n), summary(runs["off"], args.n)
    report = {"machine": machine, "orders_per_phase": args.n, "on": on, "off": off, "runs": runs}
    write_result(args.name, report, table(on, off))


if __name__ == "__main__":
    asyncio.run(main())
