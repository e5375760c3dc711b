"""What every benchmark shares: machine facts, process stats from /proc, percentiles, results.

Results go to bench/results/<name>.json and <name>.md; each records the machine it ran on and its
load average before and after, because other work on a 2-core machine moves every number.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def temporal_version() -> str:
    from cli.main import temporal_binary

    out = subprocess.run([temporal_binary(), "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def machine_facts() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split("\n")
    total_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    import temporalio

    return {
        "cores": os.cpu_count(),
        "ram_gb": round(total_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "temporalio": temporalio.__version__,
        "temporal_cli": temporal_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ProcStats:
    cpu_seconds: float
    rss_mb: float
    peak_rss_mb: float  # VmHWM: the high-water mark since the process started


def proc_stats(pid: int) -> ProcStats:
    """CPU (user + system) and memory of one process, children excluded."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    status = {
        line.split(":")[0]: line.split(":")[1].strip()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    }
    rss = int(status.get("VmRSS", "0 kB").split()[0]) / 1024
    peak = int(status.get("VmHWM", "0 kB").split()[0]) / 1024
    return ProcStats(cpu_seconds=cpu, rss_mb=round(rss, 1), peak_rss_mb=round(peak, 1))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def write_result(name: str, report: dict[str, Any], table: list[tuple[str, str]]) -> Path:
    """bench/results/<name>.json and a two-column markdown table <name>.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"benchmark": name, **report, "load_average_after": load_average()}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    machine = report.get("machine", {})
    lines = [
        f"# {name}",
        "",
        f"Machine: {machine.get('cores')} cores, {machine.get('ram_gb')} GB, Python "
        f"{machine.get('python')}, {machine.get('temporal_cli')}; load average before "
        f"{machine.get('load_average')}, after {report['load_average_after']}; "
        f"{machine.get('at')}.",
        "",
        "| measure | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in table),
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return path


def sticky_cache(metrics_port: str | int) -> dict[str, int]:
    """The worker's workflow cache so far, from its SDK metrics (`WORKER_SDK_METRICS_PORT`):
    workflow tasks served from a cached run (`hits`) and those that first replayed the run's
    history (`misses`), and runs evicted to make room (`evictions`)."""
    import httpx

    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    names = {
        "hits": "temporal_sticky_cache_hit",
        "misses": "temporal_sticky_cache_miss",
        "evictions": "temporal_sticky_cache_total_forced_eviction",
    }
    counts = dict.fromkeys(names, 0)
    for line in text.splitlines():
        for key, name in names.items():
            if line.startswith(name + "{") or line.startswith(name + " "):
                counts[key] += int(float(line.rsplit(" ", 1)[1]))
    return counts
