"""What a workflow costs the engine, read from its history (and its children's)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

# The events that say how much work the server and the worker did.
COUNTED = {
    "WORKFLOW_TASK_STARTED": "workflow_tasks",
    "ACTIVITY_TASK_SCHEDULED": "activities",
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED": "signals_sent",
    "WORKFLOW_EXECUTION_SIGNALED": "signals_received",
    "START_CHILD_WORKFLOW_EXECUTION_INITIATED": "children",
    "TIMER_STARTED": "timers",
    "WORKFLOW_EXECUTION_UPDATE_ACCEPTED": "updates",
    "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": "search_attribute_upserts",
}


async def workflow_cost(client: Client, workflow_id: str) -> dict[str, Any]:
    """Events of a workflow and of every child it started, by kind; `workflows` counts both."""
    totals: Counter[str] = Counter()
    pending = [workflow_id]
    while pending:
        current = pending.pop()
        totals["workflows"] += 1
        history = await client.get_workflow_handle(current).fetch_history()
        for event in history.events:
            name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
            totals["events"] += 1
            if name in COUNTED:
                totals[COUNTED[name]] += 1
            if event.HasField("child_workflow_execution_started_event_attributes"):
                attrs = event.child_workflow_execution_started_event_attributes
                pending.append(attrs.workflow_execution.workflow_id)
    return dict(totals)


def mean_cost(costs: list[dict[str, Any]]) -> dict[str, float]:
    keys = sorted({k for c in costs for k in c})
    return {k: round(sum(c.get(k, 0) for c in costs) / len(costs), 1) for k in keys}
