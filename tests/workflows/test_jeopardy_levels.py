"""Order-level jeopardy follows the forecast against the due date; a late task stays the task's
(issue 26, item 10). Pure: `assess` on a plan from the sample catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decomposition.decompose import decompose
from store.catalog_files import load_catalog_repository
from tests.sample_orders import sample_order
from tmf.product_order import ProductOrderCreate
from workflows.jeopardy import JeopardyLevel, assess
from workflows.plan_execution import PlanExecution, TaskStatus

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog_repository(ROOT / "catalog").latest
ORDERED = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _handset_running_late(overrun: timedelta) -> tuple[PlanExecution, str, datetime]:
    """A handset order whose first task started at order time and is `overrun` past its
    expected duration now."""
    plan = decompose(
        ProductOrderCreate.model_validate(sample_order("handset-nova-x5")), CATALOG
    ).plan
    assert plan is not None
    execution = PlanExecution.start(plan, ORDERED)
    first = next(t for t in plan.tasks if not t.depends_on and t.expected_duration_seconds > 0)
    run = execution.runs[first.id]
    run.status, run.actual_start = TaskStatus.RUNNING, ORDERED
    now = ORDERED + timedelta(seconds=first.expected_duration_seconds) + overrun
    return execution, first.id, now


def test_a_task_seconds_late_leaves_an_order_due_in_two_weeks_out_of_jeopardy() -> None:
    execution, late_task, now = _handset_running_late(timedelta(seconds=5))

    found = assess(execution, now, now + timedelta(days=14), 0.8, order_from_forecast=True)

    assert found.level == JeopardyLevel.NONE
    assert found.cause is None
    assert found.forecast < now + timedelta(days=14)
    assert [(t.task_id, t.level) for t in found.tasks] == [(late_task, JeopardyLevel.CRITICAL)]
    assert found.item_level("1") == JeopardyLevel.CRITICAL  # the item shows its late task


def test_orders_recorded_before_kept_the_task_level_on_the_order() -> None:
    # Replaying histories recorded before the change must give the same answers.
    execution, _, now = _handset_running_late(timedelta(seconds=5))

    found = assess(execution, now, now + timedelta(days=14), 0.8)

    assert found.level == JeopardyLevel.CRITICAL


def test_the_order_is_in_jeopardy_when_its_forecast_passes_the_due_date() -> None:
    execution, _, now = _handset_running_late(timedelta(seconds=5))
    left = (assess(execution, now, now + timedelta(days=14), 0.8).forecast - now).total_seconds()

    warned = assess(execution, now, now + timedelta(seconds=left / 2), 0.8, True)
    passed = assess(execution, now, now - timedelta(seconds=1), 0.8, True)

    assert (warned.level, warned.cause) == (
        JeopardyLevel.WARNING,
        "forecast completion after the due date",
    )
    assert passed.level == JeopardyLevel.CRITICAL


@settings(max_examples=60, deadline=None)
@given(
    overrun=st.integers(min_value=0, max_value=30 * 24 * 3600),
    due_in=st.integers(min_value=-3600, max_value=60 * 24 * 3600),
)
def test_order_level_is_the_forecast_against_the_due_date_only(overrun: int, due_in: int) -> None:
    execution, _, now = _handset_running_late(timedelta(seconds=overrun))
    due = now + timedelta(seconds=due_in)

    found = assess(execution, now, due, 0.8, order_from_forecast=True)

    if now >= due:
        assert found.level == JeopardyLevel.CRITICAL
    elif found.forecast > due:
        assert found.level == JeopardyLevel.WARNING
    else:
        assert found.level == JeopardyLevel.NONE
    assert found.tasks and found.tasks[0].level == JeopardyLevel.CRITICAL


def test_a_plan_waiting_for_its_start_is_forecast_from_that_date() -> None:
    # A handset ordered 13 days ahead, due in 14: its shipping (2 days) ends past the due date.
    plan = decompose(
        ProductOrderCreate.model_validate(sample_order("handset-nova-x5")), CATALOG
    ).plan
    assert plan is not None
    execution = PlanExecution.start(plan, ORDERED)
    start, due = ORDERED + timedelta(days=13), ORDERED + timedelta(days=14)

    waiting = assess(execution, ORDERED, due, 0.8, True, not_before=start)
    at_once = assess(execution, ORDERED, due, 0.8, True)

    left = at_once.forecast - ORDERED
    assert waiting.forecast == start + left
    assert waiting.level == JeopardyLevel.WARNING
    assert at_once.level == JeopardyLevel.NONE
