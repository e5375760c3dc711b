"""The Tessera worker: hosts every workflow and activity on one task queue."""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.event_delivery import event_delivery_activities
from activities.fallout import open_fallout_case, record_fallout_decision
from activities.order_planning import extend_order_plan, plan_order
from activities.order_store import save_cancellation, save_order
from activities.product_inventory import assetize, deassetize
from activities.returns import settle_return
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
        settle_return,
        open_fallout_case,
        record_fallout_decision,
        *southbound_activities(),
        *event_delivery_activities(),
    ]


# How each workflow type meets a new build (Worker Versioning). An order and its domain orders
# wait days on technicians and customers: they finish on the build they started on (PINNED), so a
# new build may change their commands freely. The event delivery workflows live for ever
# (continue-as-new) and move to each new build at their next task (AUTO_UPGRADE): their changes
# go behind workflow.patched().
VERSIONING_BEHAVIOR: dict[str, VersioningBehavior] = {
    "ProductOrder": VersioningBehavior.PINNED,
    "DomainOrder": VersioningBehavior.PINNED,
    "EventDelivery": VersioningBehavior.AUTO_UPGRADE,
}


def versioned(workflow_class: type) -> type:
    """The workflow with its versioning behavior. Declared here and not on the definition: the
    server refuses a behavior from a worker without versioning (tests, scripts, replays).

    A subclass named e.g. `ProductOrderWorkflowPinned`, put in the base's module: the sandbox
    imports the workflow class by module and name, and the SDK checks run() is its own."""
    name = workflow_class.__temporal_workflow_definition.name  # type: ignore[attr-defined]
    behavior = VERSIONING_BEHAVIOR[name]
    class_name = f"{workflow_class.__name__}{behavior.name.title().replace('_', '')}"
    module = sys.modules[workflow_class.__module__]
    if (built := getattr(module, class_name, None)) is not None:
        return cast(type, built)
    base_run = workflow_class.run  # type: ignore[attr-defined]

    @functools.wraps(base_run)  # the same input type, read from the base's annotations
    async def run(self: Any, *args: Any) -> Any:
        return await base_run(self, *args)

    run.__qualname__ = f"{class_name}.run"
    members = {"run": workflow.run(run), "__module__": module.__name__}
    subclass = type(class_name, (workflow_class,), members)
    defined = workflow.defn(name=name, versioning_behavior=behavior)(subclass)
    setattr(module, class_name, defined)
    return defined


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """This build as a Worker Deployment version, when versioning is on: new orders go to the
    deployment's current version, and each order stays on the version it started on (PINNED)."""
    if not settings.worker_versioning:
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(
            deployment_name=settings.worker_deployment_name, build_id=settings.worker_build_id
        ),
        use_worker_versioning=True,
    )


def build_worker(
    client: Client,
    settings: Settings | None = None,
    task_queue: str | None = None,
    workflows: list[type] | None = None,
) -> Worker:
    settings = settings or get_settings()
    workflows = workflows or WORKFLOWS
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[versioned(w) for w in workflows] if settings.worker_versioning else workflows,
        activities=all_activities(),
        # Activities are sync (SQLModel is sync); they run on this pool.
        activity_executor=ThreadPoolExecutor(max_workers=settings.activity_threads),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
        deployment_config=deployment_config(settings),
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
    log.info(
        "worker started",
        task_queue=settings.task_queue,
        temporal=settings.temporal_address,
        version=f"{settings.worker_deployment_name}.{settings.worker_build_id}"
        if settings.worker_versioning
        else "unversioned",
    )
    # What is loaded by now lives as long as the process: out of the cyclic collector's way.
    # A 1,000-item order's plan decoded and viewed took ~600 ms with every full collection
    # walking the imports, ~300 ms without (issue 24: a large order's first activation is what
    # meets the 2 s deadlock detector).
    gc.freeze()
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
