"""The KPI arithmetic (api/kpis.py): percentiles, cycle times, rates, task times."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from api.kpis import OrderFact, TaskFact, compute_kpis, percentile

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _order(
    n: int,
    state: str = "completed",
    offerings: tuple[str, ...] = ("fiber-broadband",),
    hours: float | None = 1.0,
    jeopardy: bool = False,
    fallout: bool = False,
) -> OrderFact:
    return OrderFact(
        order_id=f"o{n}",
        state=state,
        offerings=offerings,
        ordered_at=T0,
        completed_at=None if hours is None else T0 + timedelta(hours=hours),
        had_jeopardy=jeopardy,
        had_fallout=fallout,
    )


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 0.9) == 91.0


@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=60))
def test_the_median_is_the_statistics_median_and_p90_lies_above_it(values: list[float]) -> None:
    median = percentile(values, 0.5)
    assert abs(median - statistics.median(values)) <= 1e-6 * max(1.0, abs(median))
    assert min(values) <= median <= percentile(values, 0.9) <= max(values)


def test_kpis_of_a_period() -> None:
    orders = [
        _order(1, hours=1),
        _order(2, hours=2, fallout=True),
        _order(3, hours=10, offerings=("fiber-broadband", "iptv"), jeopardy=True),
        _order(4, state="inProgress", hours=None, jeopardy=True, fallout=True),
        _order(5, state="failed", hours=5, fallout=True),
    ]
    tasks = [
        TaskFact("Install", expected_seconds=7200, actual_seconds=3600),
        TaskFact("Install", expected_seconds=7200, actual_seconds=10800),
        TaskFact("Install", expected_seconds=7200, actual_seconds=9000),
        TaskFact("Ship", expected_seconds=60, actual_seconds=180),
        TaskFact("Booked", expected_seconds=0, actual_seconds=0),
    ]

    kpis = compute_kpis(orders, tasks, {"billing": 2, "activation": 1})

    assert kpis["orders"] == 5
    assert kpis["ordersByState"] == {"completed": 3, "failed": 1, "inProgress": 1}
    # Only completed orders have a cycle time; the failed one does not count. p90 of 1 h, 2 h,
    # 10 h: rank 0.9 * 2 = 1.8, so 2 h + 0.8 * (10 h - 2 h) = 8.4 h.
    assert kpis["cycleTimeByOffering"] == [
        {
            "offering": "fiber-broadband",
            "orders": 3,
            "medianSeconds": 7200.0,
            "p90Seconds": 30240.0,
        },
        {"offering": "iptv", "orders": 1, "medianSeconds": 36000.0, "p90Seconds": 36000.0},
    ]
    assert (kpis["ordersWithFallout"], kpis["falloutRate"]) == (3, 0.6)
    assert (kpis["ordersInJeopardy"], kpis["jeopardyRate"]) == (2, 0.4)
    assert kpis["openFalloutBySystem"] == {"activation": 1, "billing": 2}
    assert kpis["taskTimes"] == [
        {"task": "Ship", "runs": 1, "medianSeconds": 180, "expectedSeconds": 60, "ratio": 3.0},
        {
            "task": "Install",
            "runs": 3,
            "medianSeconds": 9000,
            "expectedSeconds": 7200,
            "ratio": 1.25,
        },
        {"task": "Booked", "runs": 1, "medianSeconds": 0, "expectedSeconds": 0, "ratio": None},
    ]


def test_an_empty_period_has_no_rates() -> None:
    kpis = compute_kpis([], [], {})
    assert kpis["orders"] == 0
    assert kpis["falloutRate"] is None and kpis["jeopardyRate"] is None
    assert kpis["cycleTimeByOffering"] == [] and kpis["taskTimes"] == []
