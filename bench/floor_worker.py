"""The floor's worker process: the product worker's tuning, the floor workflow, a no-op activity.

TEMPORAL_ADDRESS=... TESSERA_TASK_QUEUE=... python -m bench.floor_worker
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.worker import Worker

from bench.floor_workflow import FloorChildWorkflow, FloorWorkflow, noop
from config.settings import get_settings


async def main() -> None:
    settings = get_settings()
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[FloorWorkflow, FloorChildWorkflow],
        activities=[noop],
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
    )
    await worker.run()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
