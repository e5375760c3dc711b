"""What a workflow costs the engine, read from its history (and its children's)."""

from __future__ import annotations

import asyncio
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
        handle = client.get_workflow_handle(current)
        if current != workflow_id:
            # A child may end just after its order (the order's close policy): whole histories.
            await asyncio.wait_for(handle.result(), 60)
        history = await handle.fetch_history()
        for event in history.events:
            name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
            totals["events"] += 1
            totals[f"event:{name}"] += 1
            if name in COUNTED:
                totals[COUNTED[name]] += 1
            if event.HasField("child_workflow_execution_started_event_attributes"):
                attrs = event.child_workflow_execution_started_event_attributes
                pending.append(attrs.workflow_execution.workflow_id)
    return dict(totals)


def mean_cost(costs: list[dict[str, Any]]) -> dict[str, float]:
    """Mean of the counted kinds (without the per-event-type breakdown)."""
    keys = sorted({k for c in costs for k in c if not k.startswith("event:")})
    return {k: round(sum(c.get(k, 0) for c in costs) / len(costs), 1) for k in keys}


def mean_event_types(costs: list[dict[str, Any]]) -> dict[str, float]:
    """Mean events per workflow (with its children) by event type, most first: where they go."""
    keys = {k for c in costs for k in c if k.startswith("event:")}
    means = {k.removeprefix("event:"): sum(c.get(k, 0) for c in costs) / len(costs) for k in keys}
    return {k: round(v, 1) for k, v in sorted(means.items(), key=lambda kv: -kv[1])}


def _detail(event: Any) -> str:
    """The name that tells one event of a kind from another (signal, activity, timer, marker)."""
    for field, attr in (
        ("workflow_execution_signaled_event_attributes", "signal_name"),
        ("signal_external_workflow_execution_initiated_event_attributes", "signal_name"),
        ("marker_recorded_event_attributes", "marker_name"),
        ("timer_started_event_attributes", "timer_id"),
    ):
        if event.HasField(field):
            return str(getattr(getattr(event, field), attr))
    if event.HasField("activity_task_scheduled_event_attributes"):
        return str(event.activity_task_scheduled_event_attributes.activity_type.name)
    if event.HasField("upsert_workflow_search_attributes_event_attributes"):
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
        return ",".join(sorted(fields.indexed_fields))
    return ""


async def history_listing(client: Client, workflow_id: str) -> str:
    """A workflow's events and its children's, one line each: to read where the events go."""
    lines: list[str] = []
    pending = [workflow_id]
    while pending:
        current = pending.pop(0)
        history = await client.get_workflow_handle(current).fetch_history()
        lines.append(f"## {current} ({len(history.events)} events)")
        for event in history.events:
            name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
            lines.append(f"{event.event_id:4} {name} {_detail(event)}".rstrip())
            if event.HasField("child_workflow_execution_started_event_attributes"):
                attrs = event.child_workflow_execution_started_event_attributes
                pending.append(attrs.workflow_execution.workflow_id)
    return "\n".join(lines) + "\n"
