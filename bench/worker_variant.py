"""The product worker with one design option changed, to measure that option (bench only).

Same workflows, activities and tuning as `worker.build_worker`; BENCH_WORKER_VARIANT picks:
- `unsandboxed`: UnsandboxedWorkflowRunner (no per-workflow module re-import in a sandbox);
- `pollers`: PollerBehaviorSimpleMaximum(20) for both pollers (shared/notes: "tuned" worker);
- both, comma-separated.

    BENCH_WORKER_VARIANT=unsandboxed python -m bench.worker_variant
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.worker import PollerBehaviorSimpleMaximum, UnsandboxedWorkflowRunner, Worker

from config.settings import get_settings
from observability.logs import configure_logging
from store.db import create_tables
from temporal_client import connect_temporal
from worker import all_activities
from workflows.registry import WORKFLOWS

VARIANTS = ("unsandboxed", "pollers")


def variant_options(names: list[str]) -> dict[str, Any]:
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        raise SystemExit(f"unknown worker variant(s) {unknown}; known: {VARIANTS}")
    options: dict[str, Any] = {}
    if "unsandboxed" in names:
        options["workflow_runner"] = UnsandboxedWorkflowRunner()
    if "pollers" in names:
        options["workflow_task_poller_behavior"] = PollerBehaviorSimpleMaximum(20)
        options["activity_task_poller_behavior"] = PollerBehaviorSimpleMaximum(20)
    return options


async def main() -> None:
    configure_logging()
    settings = get_settings()
    create_tables()
    client = await connect_temporal()
    names = [n for n in os.environ.get("BENCH_WORKER_VARIANT", "").split(",") if n]
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=all_activities(),
        activity_executor=ThreadPoolExecutor(max_workers=settings.activity_threads),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        **variant_options(names),
    )
    await worker.run()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
