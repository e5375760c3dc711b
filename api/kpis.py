"""The workspace's KPIs over a period, from facts read out of the store: pure arithmetic.

Orders by state; cycle time (order date to completion) per offering, median and p90; the
share of orders that fell out and that went into jeopardy; open fallout per system; and how
long each kind of task took against the catalog's expected duration.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class OrderFact:
    order_id: str
    state: str
    offerings: tuple[str, ...]
    ordered_at: datetime
    completed_at: datetime | None
    had_jeopardy: bool
    had_fallout: bool


@dataclass(frozen=True)
class TaskFact:
    name: str
    expected_seconds: float
    actual_seconds: float


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` percentile (0..1) by linear interpolation between closest ranks; the
    median is percentile(values, 0.5). Needs at least one value."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def cycle_times(orders: Iterable[OrderFact]) -> list[dict[str, Any]]:
    """Completed orders' cycle time per offering (an order of two offerings counts for both)."""
    seconds: dict[str, list[float]] = defaultdict(list)
    for order in orders:
        if order.state != "completed" or order.completed_at is None:
            continue
        took = (order.completed_at - order.ordered_at).total_seconds()
        for offering in set(order.offerings):
            seconds[offering].append(took)
    return [
        {
            "offering": offering,
            "orders": len(values),
            "medianSeconds": percentile(values, 0.5),
            "p90Seconds": percentile(values, 0.9),
        }
        for offering, values in sorted(seconds.items())
    ]


def task_times(tasks: Iterable[TaskFact]) -> list[dict[str, Any]]:
    """Per kind of task: median actual time against the expected one, slowest ratio first."""
    actual: dict[str, list[float]] = defaultdict(list)
    expected: dict[str, list[float]] = defaultdict(list)
    for task in tasks:
        actual[task.name].append(task.actual_seconds)
        expected[task.name].append(task.expected_seconds)
    rows = []
    for name, values in actual.items():
        median = percentile(values, 0.5)
        planned = percentile(expected[name], 0.5)
        rows.append(
            {
                "task": name,
                "runs": len(values),
                "medianSeconds": median,
                "expectedSeconds": planned,
                # None for a task expected to take no time (a milestone).
                "ratio": median / planned if planned > 0 else None,
            }
        )
    return sorted(rows, key=lambda r: (-(r["ratio"] or 0.0), r["task"]))


def compute_kpis(
    orders: Sequence[OrderFact],
    tasks: Sequence[TaskFact],
    open_fallout_by_system: Mapping[str, int],
) -> dict[str, Any]:
    with_fallout = sum(1 for o in orders if o.had_fallout)
    in_jeopardy = sum(1 for o in orders if o.had_jeopardy)
    return {
        "orders": len(orders),
        "ordersByState": dict(sorted(Counter(o.state for o in orders).items())),
        "cycleTimeByOffering": cycle_times(orders),
        "ordersWithFallout": with_fallout,
        "falloutRate": _rate(with_fallout, len(orders)),
        "openFalloutBySystem": dict(sorted(open_fallout_by_system.items())),
        "ordersInJeopardy": in_jeopardy,
        "jeopardyRate": _rate(in_jeopardy, len(orders)),
        "taskTimes": task_times(tasks),
    }
