"""`make bench`: every benchmark in turn, then bench/results/summary.md from their JSON results.

    .venv/bin/python -m bench.run_all [--quick]

--quick: small N everywhere (a smoke run, minutes); the default takes longer (see README).
bench_decomposition.py runs before this (the Makefile calls it), and its JSON is summarized here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from bench.common import RESULTS, ROOT, load_average, machine_facts


def run(*args: str, **env: str) -> None:
    print(f"\n$ {' '.join(args)}", flush=True)
    environment = {**os.environ, **env}
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, timeout=7200, env=environment)


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def summary() -> str:
    rows: list[str] = []
    orders, memory, decomposition, large = (
        _load(n) for n in ("orders", "memory", "decomposition", "large_order")
    )
    if orders:
        o, f = orders["orders"], orders["floor"]
        rows.append(
            f"| orders/s ÷ engine floor workflows/s | ≥ 0.8 | **{orders['ratio']}** "
            f"({o['orders_per_s']} / {f['workflows_per_s']}, N={o['orders']}) | "
            f"{orders['machine']['load_average']} |"
        )
        if h := orders.get("headline"):
            rows += _headline_rows(h, "issue 24", "")
        if c := orders.get("floor_with_children"):
            rows.append(
                f"| floor with one empty child per domain order ÷ floor (the most one child per "
                f"domain order allows) | | {c['workflows_per_s'] / f['workflows_per_s']:.2f} "
                f"({c['workflows_per_s']} / {f['workflows_per_s']}; orders reach "
                f"{o['orders_per_s'] / c['workflows_per_s']:.2f} of it) | |"
            )
        rows.append(
            "| submit latency p50 / p95 / p99 ms | | {p50} / {p95} / {p99} | |".format(
                **o["submit_latency_ms"]
            )
        )
        rows.append(
            "| order time to completion p50 / p99 ms | | {p50} / {p99} | |".format(
                **o["time_to_completion_ms"]
            )
        )
        rows.append(
            f"| worker CPU s / peak RSS MB (orders) | | {o['worker_cpu_s']} / "
            f"{o['worker_peak_rss_mb']} | |"
        )
        rows.append(
            f"| history events per order / per floor workflow | | "
            f"{o['history_per_order'].get('events')} / "
            f"{f['history_per_workflow'].get('events')} | |"
        )
    # Each API setup measured: SQLite or PostgreSQL store, with or without the worker.
    for name in (
        "api_load",
        "api_load_postgres",
        "api_load_no_worker",
        "api_load_no_worker_postgres",
    ):
        api = _load(name)
        if not api:
            continue
        a = api["at_half_maximum"]
        worker = "off"
        if api["worker_running"]:
            worker = f"on, niceness {api.get('worker_niceness', 0)}"
        setup = f"{api.get('store', 'SQLite')} store, worker {worker}"
        rows.append(
            f"| POST p99 ms at {a['rate_per_s']}/s, GETs alike "
            f"(half of max {api['maximum']['posts_per_s']} in all; {setup}) "
            f"| < 50 | **{a['post_ms']['p99']}** (p50 {a['post_ms']['p50']}) | "
            f"{api['machine']['load_average']} |"
        )
        rows.append(
            f"| GET p50 / p99 ms ({setup}) | | {a['get_ms']['p50']} / {a['get_ms']['p99']} | |"
        )
    if decomposition:
        for row in decomposition["results"]:
            target = f"< {row['target_ms']:.0f} ms" if row.get("target_ms") else ""
            medians = row.get("process_medians_ms")
            spread = (
                f" ({row['runs']} runs in {row['processes']} processes, "
                f"process medians {min(medians)}-{max(medians)})"
                if medians
                else ""
            )
            rows.append(
                f"| decomposition, {row['items']} items (median ms) | {target} | "
                f"{row['median_ms']}{spread} | |"
            )
    if memory:
        m = memory["result"]
        rows.append(
            f"| worker peak RSS MB, {m['orders_waiting']} orders waiting "
            f"({m['seconds']} s to get there) | < 500 (10,000) | **{m['worker_peak_rss_mb']}** | "
            f"{memory['machine']['load_average']} |"
        )
    if large:
        for o in large["orders"]:
            rows.append(
                f"| one order of {o['items']} items: seconds to completion (worker CPU s, "
                f"history events) | | {o.get('seconds_to_completion', o['state'])} "
                f"({o['worker_cpu_s']}, {o['history_events']}) | "
                f"{large['machine']['load_average']} |"
            )
            if "plan_get_ms" in o:
                rows.append(
                    f"| one order of {o['items']} items, closed: GET plan / timeline ms | | "
                    f"{o['plan_get_ms']} / {o['timeline_get_ms']} | "
                    f"{large['machine']['load_average']} |"
                )
    rows += _issue_24_large_orders()
    rows += _issue_24_session_runs()
    machine = machine_facts()
    return "\n".join(
        [
            "# Benchmark summary",
            "",
            f"Machine: {machine['cores']} cores, {machine['ram_gb']} GB, Python "
            f"{machine['python']}, {machine['temporal_cli']}. Load average now {load_average()}; "
            "the last column is the load when each benchmark started.",
            "",
            "| measure | target | measured | load average |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


# The 1,000-item runs of issue 24 (sessions 12-13), each its own results file, and the changes in
# flight (bench/large_order_changes.py).
LARGE_RUNS = (
    "large_order_s12",
    "large_order_s12_can",
    "large_order_s12_can_quiet",
    "large_order_s13",
    "large_order_s13b",
    "large_order_s13c",
    "large_order_s14_base",
    "large_order_s14",
    "large_order_200_cache1000_s14",
    "large_order_200_cache500_s14",
)

# Session 14's runs of issue 24's headline figures, each its own results file.
ORDERS_RUNS = ("orders_s14",)
MEMORY_RUNS = ("memory_10000_cache500_s14",)
PER_DOMAIN_FLOOR = "engine_floor_per_domain_s14"


def _headline_rows(h: dict[str, Any], label: str, load: str) -> list[str]:
    """Issue 24's ratios from one run of bench/orders.py (its `headline`)."""
    return [
        f"| orders/s ÷ floor-with-children workflows/s ({label}) | ≥ 0.8 | "
        f"**{h['orders_per_floor_with_children']}** | {load} |",
        f"| history events per order ÷ plan tasks ({label}) | ≤ 10 | "
        f"**{h['events_per_plan_task']}** (floor {h['floor_events_per_plan_task']}, "
        f"floor with children {h['floor_with_children_events_per_plan_task']}) | {load} |",
        f"| worker CPU per order ÷ floor worker CPU per workflow ({label}) | ≤ 2 | "
        f"**{h['worker_cpu_per_order_per_floor']}** | {load} |",
    ]


def _issue_24_session_runs() -> list[str]:
    rows: list[str] = []
    for name in ORDERS_RUNS:
        run = _load(name)
        if run and (h := run.get("headline")):
            load = str(run["machine"]["load_average"])
            rows += _headline_rows(h, name, load)
            rows.append(
                f"| orders/s ÷ floor workflows/s ({name}) | ≥ 0.4 | "
                f"**{h['orders_per_floor']}** | {load} |"
            )
    for name in MEMORY_RUNS:
        run = _load(name)
        if run:
            m = run["result"]
            rows.append(
                f"| worker peak RSS MB, {m['orders_waiting']} orders waiting, cache of "
                f"{run['cache']} ({name}) | < 300 | **{m['worker_peak_rss_mb']}** | "
                f"{run['machine']['load_average']} |"
            )
    floor = _load(PER_DOMAIN_FLOOR)
    if floor and floor.get("per_domain"):
        plain, children, domain = floor["floor"], floor["with_children"], floor["per_domain"]
        for label, result in (("one per domain order", children), ("one per domain", domain)):
            rows.append(
                f"| floor with {result['children_per_workflow']} empty children ({label}): "
                f"workflows/s ÷ plain; worker CPU per workflow ÷ plain | | "
                f"{result['workflows_per_s'] / plain['workflows_per_s']:.2f}; "
                f"{result['worker_cpu_s'] / plain['worker_cpu_s']:.2f} | "
                f"{floor['machine']['load_average']} |"
            )
    return rows


def _issue_24_large_orders() -> list[str]:
    rows: list[str] = []
    for name in LARGE_RUNS:
        run = _load(name)
        if not run:
            continue
        load = run["machine"]["load_average"]
        per_item = {o["items"]: o.get("seconds_per_item") for o in run["orders"]}
        for o in run["orders"]:
            runs = f", {o['workflow_runs']} run(s)" if "workflow_runs" in o else ""
            rows.append(
                f"| one order of {o['items']} items ({name}): state, seconds (s per item), "
                f"history events{runs} | | {o['state']}, {o.get('seconds_to_completion', '-')} "
                f"({o.get('seconds_per_item', '-')}), {o.get('history_events', '-')} | {load} |"
            )
            if o["items"] == 1000 and per_item.get(100) and o.get("seconds_per_item"):
                ratio = o["seconds_per_item"] / per_item[100]
                rows.append(
                    f"| 1,000-item order's time per item ÷ the 100-item order's ({name}) | "
                    f"≤ 1.25x | **{ratio:.2f}x** | {load} |"
                )
            if o["items"] == 1000 and "plan_get_ms" in o:
                rows.append(
                    f"| 1,000 items ({name}): GET plan / timeline in progress; closed (ms) | "
                    f"< 500 | {o.get('running_plan_get')}; {o['plan_get_ms']} / "
                    f"{o['timeline_get_ms']} | {load} |"
                )
    for name in ("large_order_changes", "large_order_changes_slots4"):
        changes = _load(name)
        for c in changes["changes"] if changes else []:
            rows.append(
                f"| {c['items']} items in flight ({name}), {c['change']}: answer; settled | | "
                f"{c['answer']}; {c.get('settled_s', '-')} s | "
                f"{changes['machine']['load_average'] if changes else ''} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N: a smoke run")
    parser.add_argument("--memory-n", type=int, default=None, help="orders for bench/memory.py")
    parser.add_argument(
        "--summary-only", action="store_true", help="rewrite summary.md from the results on disk"
    )
    args = parser.parse_args()
    if args.summary_only:
        (RESULTS / "summary.md").write_text(summary())
        return
    n = "35" if args.quick else "140"
    memory_n = str(args.memory_n or (200 if args.quick else 2000))
    run("-m", "bench.orders", "-n", n, "--profile")
    seconds = "10" if args.quick else "30"
    run("-m", "bench.api_load", "--seconds", seconds)
    run("-m", "bench.api_load", "--seconds", seconds, BENCH_DATABASE="postgres")
    run("-m", "bench.memory", "-n", memory_n, "--timeout", "1800")
    run("-m", "bench.large_order", *(["--sizes", "10", "100"] if args.quick else []))
    text = summary()
    (RESULTS / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
