"""Benchmark 3, the API under load: POST and GET latency at half the measured maximum rate.

A fresh stack like `oms dev` (dev server, worker, API). The load comes from bench/loadgen.py in a
process of its own: first a closed loop finds the most POSTs/s, then an open loop sends requests
at half that rate in all: a POST and a GET per tick, each at a quarter. Target: POST p99 < 50 ms.

    [BENCH_DATABASE=postgres] .venv/bin/python -m bench.api_load [--seconds 20] [--no-worker]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from bench.common import ROOT, machine_facts, proc_stats, write_result
from bench.stack import Stack

TARGET_POST_P99_MS = 50.0


def loadgen(stack: Stack, *args: str, timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.loadgen", "--url", stack.api_url, *args]
    command += ["--token", stack.token()]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"loadgen failed: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="each phase's length")
    parser.add_argument("--concurrency", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--no-worker", action="store_true", help="API and server only")
    args = parser.parse_args()
    machine = machine_facts()
    stack = Stack("api")
    try:
        stack.start_server()
        if not args.no_worker:
            stack.start_worker()
        stack.start_api()
        assert stack.api is not None
        budget = args.seconds + 120
        seconds = str(args.seconds)
        loadgen(stack, "--mode", "max", "--seconds", "3", timeout=budget)  # warm-up
        maximum = loadgen(
            stack, "--mode", "max", "--seconds", seconds,
            "--concurrency", str(args.concurrency), timeout=budget,
        )  # fmt: skip
        # Half the maximum in all: every tick sends a POST and a GET, so each at a quarter.
        rate = round(maximum["posts_per_s"] / 4, 2)
        api_before = proc_stats(stack.api.pid)
        at_rate = loadgen(
            stack, "--mode", "rate", "--rate", str(rate), "--seconds", seconds, timeout=budget
        )
        api_after = proc_stats(stack.api.pid)
    finally:
        stack.stop()
    at_rate["api_cpu_s"] = round(api_after.cpu_seconds - api_before.cpu_seconds, 2)
    at_rate["api_peak_rss_mb"] = api_after.peak_rss_mb
    report = {
        "machine": machine,
        "worker_running": not args.no_worker,
        "worker_niceness": int(stack.env["WORKER_NICENESS"]),
        "store": stack.database,
        "maximum": maximum,
        "at_half_maximum": at_rate,
        "target_post_p99_ms": TARGET_POST_P99_MS,
    }
    table = [
        ("max POSTs/s (closed loop)", f"{maximum['posts_per_s']} ({args.concurrency} clients)"),
        (
            "arrival rate (a POST and a GET per tick: half the max in all)",
            f"{rate}/s each for {args.seconds:.0f} s",
        ),
        (
            "**POST p50 / p99 ms** (target p99 < 50)",
            "**{p50} / {p99}**".format(**at_rate["post_ms"]),
        ),
        ("GET p50 / p99 ms", "{p50} / {p99}".format(**at_rate["get_ms"])),
        ("errors", str(at_rate["errors"])),
        ("worker running (niceness)", f"{not args.no_worker} ({stack.env['WORKER_NICENESS']})"),
        ("order store", stack.database),
        ("API CPU s during the rate phase", str(at_rate["api_cpu_s"])),
    ]
    # One result per setup: api_load[_no_worker][_postgres].
    name = "api_load" + ("_no_worker" if args.no_worker else "")
    write_result(name + ("_postgres" if stack.pg_database else ""), report, table)


if __name__ == "__main__":
    main()
