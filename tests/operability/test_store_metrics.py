"""Tasks in jeopardy by level, as Prometheus reads them from the store (issue 23): the running
tasks of open orders that the workflow's snapshots mark warning or critical, and nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from observability.store_metrics import StoreCollector
from store.orders import save_order
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrder

NOW = datetime.now(UTC)


def _order(state: str, *task_levels: str) -> ProductOrder:
    body = sample_order("dsl-broadband", customer=f"jeop-{uuid.uuid4().hex[:8]}")
    tasks = [
        {"taskId": f"t{i}", "itemId": "1", "level": level, "cause": "running late"}
        for i, level in enumerate(task_levels)
    ]
    jeopardy = {
        "level": "none",
        "dueDate": (NOW + timedelta(days=14)).isoformat(),
        "tasks": tasks,
    }
    return ProductOrder.model_validate(
        {
            **body,
            "id": f"jeop-{uuid.uuid4()}",
            "href": "h",
            "orderDate": NOW,
            "state": state,
            "jeopardy": jeopardy,
            **({"completionDate": NOW} if state == "completed" else {}),
        }
    )


def _tasks_by_level() -> dict[str, float]:
    found: dict[str, float] = {}
    for family in StoreCollector(None).collect():
        if family.name == "tessera_tasks_open_by_jeopardy":
            found.update({s.labels["level"]: s.value for s in family.samples})
    return found


def _moved(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    return {level: after[level] - before[level] for level in ("warning", "critical")}


def test_tasks_in_jeopardy_are_counted_by_level_for_open_orders_only() -> None:
    before = _tasks_by_level()
    assert set(before) == {"warning", "critical"}  # both levels, even at zero

    late = _order("inProgress", "warning", "critical", "critical")
    save_order(late, revision=1)
    save_order(_order("inProgress"), revision=1)  # on time: read nowhere
    save_order(_order("completed", "critical"), revision=1)  # closed: not open work
    assert _moved(before, _tasks_by_level()) == {"warning": 1, "critical": 2}

    # The next snapshot: the late tasks ended, one more started late.
    caught_up = late.model_copy(update={"jeopardy": _order("inProgress", "warning").jeopardy})
    save_order(caught_up, revision=2)
    assert _moved(before, _tasks_by_level()) == {"warning": 1, "critical": 0}
