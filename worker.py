"""The Tessera worker: hosts every workflow and activity on one task queue."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.event_delivery import event_delivery_activities
from activities.fallout import open_fallout_case, record_fallout_decision
from activities.order_planning import extend_order_plan, plan_order
from activities.order_store import save_cancellation, save_order
from activities.product_inventory import assetize, deassetize
from activities.southbound.registry import southbound_activities
from activities.work_queue import open_manual_task, update_manual_task
from config.settings import Settings, get_settings, load_settings
from observability.health import readiness
from observability.logs import configure_logging, get_logger
from observability.tracing import configure_tracing
from observability.worker_endpoint import WorkerEndpoint, sdk_runtime
from store.db import create_tables
from temporal_client import connect_temporal
from workflows.event_delivery_starter import ensure_courtesy_notifications
from workflows.registry import WORKFLOWS

log = get_logger(__name__)


def all_activities() -> list[Callable[..., Any]]:
    return [
        plan_order,
        extend_order_plan,
        save_order,
        save_cancellation,
        open_manual_task,
        update_manual_task,
        assetize,
        deassetize,
        open_fallout_case,
        record_fallout_decision,
        *southbound_activities(),
        *event_delivery_activities(),
    ]


def build_worker(
    client: Client, settings: Settings | None = None, task_queue: str | None = None
) -> Worker:
    settings = settings or get_settings()
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=WORKFLOWS,
        activities=all_activities(),
        # Activities are sync (SQLModel is sync); they run on this pool.
        activity_executor=ThreadPoolExecutor(max_workers=settings.activity_threads),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
        # Re-importing every module for each new workflow run cost a third of the worker's CPU
        # (bench/results, py-spy). Our workflow modules keep no mutable module state, so they
        # are passed through; the sandbox still guards time, randomness and I/O calls.
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
        ),
    )


async def run_worker() -> None:
    settings = load_settings()
    configure_logging()
    configure_tracing("tessera-worker")
    if settings.worker_niceness:
        os.nice(settings.worker_niceness)  # below the API on a shared host; see config/settings.py
    create_tables()
    runtime = (
        sdk_runtime(settings.worker_sdk_metrics_port) if settings.worker_metrics_port else None
    )
    client = await connect_temporal(runtime=runtime)
    worker = build_worker(client, settings)
    endpoint = start_endpoint(settings, client)
    # Courtesy notifications follow the outbox in a workflow of their own; started once.
    await ensure_courtesy_notifications(client)
    log.info("worker started", task_queue=settings.task_queue, temporal=settings.temporal_address)
    try:
        if endpoint:
            endpoint.running = True
        await worker.run()
    finally:
        if endpoint:
            endpoint.stop()


def start_endpoint(settings: Settings, client: Client) -> WorkerEndpoint | None:
    """/metrics and /health/* of this worker, unless WORKER_METRICS_PORT is 0."""
    if not settings.worker_metrics_port:
        return None
    endpoint = WorkerEndpoint(
        settings.worker_metrics_host,
        settings.worker_metrics_port,
        settings.worker_sdk_metrics_port,
        lambda: readiness(client, catalog=False),
        asyncio.get_running_loop(),
    )
    endpoint.start()
    return endpoint


if __name__ == "__main__":
    asyncio.run(run_worker())
