"""The plan and timeline of a real order show no `null` (issue 26, item 7): a field with no value
is left out, in progress and once completed; what a row carries says what the task is."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order

OPS = "/ops/v1/orders"


def nulls(value: Any, path: str = "$") -> list[str]:
    """Where the JSON holds a null, as paths."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
    return []


async def _views(http: httpx.AsyncClient, order_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = await http.get(f"{OPS}/{order_id}/plan")
    timeline = await http.get(f"{OPS}/{order_id}/timeline")
    assert plan.status_code == timeline.status_code == 200
    return plan.json(), timeline.json()


def _rows(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in view["tasks"]}


async def test_plan_and_timeline_show_no_null_in_progress_nor_completed(
    http: httpx.AsyncClient, workforce: None
) -> None:
    # The plan waits for the requested start: in progress, with tasks not started yet.
    body = sample_order(
        "fiber-broadband", customer=f"nulls-{uuid.uuid4()}", start_in=timedelta(seconds=20)
    )
    created = await http.post(ORDERS, json=body)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    await wait_for_state(http, order_id, {"inProgress"})
    plan, timeline = await _views(http, order_id)

    assert plan["state"] == "inProgress"
    assert (nulls(plan), nulls(timeline)) == ([], [])
    waiting = [t for t in plan["tasks"] if t["status"] == "pending"]
    assert waiting, "the order waits for its requested start"
    for row in waiting:  # not started: no actual times, rather than actualStart: null
        assert "actualStart" not in row and "actualEnd" not in row, row
        assert row["outcome"] == "notStarted"
    rows = _rows(plan)
    manual = [t for t in rows.values() if t["kind"] == "manual"]
    automated = [t for t in rows.values() if t["kind"] == "automated"]
    assert manual and automated
    assert all("queue" in t and "skill" in t and "activity" not in t for t in manual)
    assert all("activity" in t and "queue" not in t for t in automated)
    assert all("error" not in t and "falloutCaseId" not in t for t in rows.values())

    done = await wait_for_state(http, order_id, timeout=120)
    assert done["state"] == "completed", done.get("errorMessage")
    plan, timeline = await _views(http, order_id)

    assert (nulls(plan), nulls(timeline)) == ([], [])
    assert timeline["expectedCompletion"] == done["completionDate"]
    for row in [*plan["tasks"], *timeline["tasks"]]:
        assert row["outcome"] == "done", row
        assert row["actualStart"] <= row["actualEnd"], row
