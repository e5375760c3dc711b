"""The engine floor: a workflow that runs one no-op activity per task of a DAG, and nothing else.

Bench only: the product worker never registers it. Each task's activity starts once the
activities of its dependencies have returned, so the DAG width (parallel activities) is the
reference order's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import activity, workflow

FLOOR_WORKFLOW = "BenchFloor"
FLOOR_CHILD_WORKFLOW = "BenchFloorChild"


@dataclass
class FloorTask:
    id: str
    depends_on: list[str] = field(default_factory=list)


@dataclass
class FloorInput:
    tasks: list[FloorTask]  # topological order: dependencies first
    # Empty child workflows started alongside (as many as the order starts, for the
    # "with children" floor): what the executions alone cost, without any message.
    children: int = 0


@activity.defn(name="bench.noop")
async def noop(task_id: str) -> str:
    return task_id


@workflow.defn(name=FLOOR_CHILD_WORKFLOW)
class FloorChildWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name=FLOOR_WORKFLOW)
class FloorWorkflow:
    @workflow.run
    async def run(self, input: FloorInput) -> int:
        parent = workflow.info().workflow_id
        children = [
            workflow.execute_child_workflow(FloorChildWorkflow.run, id=f"{parent}/{i}")
            for i in range(input.children)
        ]
        running: dict[str, asyncio.Task[str]] = {}

        async def perform(task: FloorTask) -> str:
            await asyncio.gather(*(running[d] for d in task.depends_on))
            return await workflow.execute_activity(
                noop, task.id, activity_id=task.id, start_to_close_timeout=timedelta(seconds=30)
            )

        for task in input.tasks:
            running[task.id] = asyncio.create_task(perform(task))
        await asyncio.gather(*running.values(), *children)
        return len(running)
