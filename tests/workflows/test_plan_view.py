"""The plan and timeline of the largest order the limits allow fit in one query answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter

from bench.bench_decomposition import build_order
from config.settings import get_settings
from decomposition.decompose import decompose
from store.catalog_files import load_catalog_repository
from tmf.product_order import OrderState
from workflows.plan_execution import PlanExecution, TaskStatus
from workflows.plan_view import order_plan_view

ROOT = Path(__file__).resolve().parents[2]
# Temporal's default limit on one payload (a query's answer): larger ones fail the query.
BLOB_SIZE_LIMIT = 2 * 1024 * 1024


def test_the_view_of_the_largest_order_allowed_fits_in_a_query_answer() -> None:
    settings = get_settings()
    catalog = load_catalog_repository(ROOT / "catalog").latest
    plan = decompose(build_order(settings.order_max_items), catalog).plan
    assert plan is not None
    assert len(plan.tasks) == settings.order_max_tasks  # the mix reaches both limits at once
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    execution = PlanExecution.start(plan, start)
    for run in execution.runs.values():  # every time and an error set: the view at its largest
        run.status = TaskStatus.FAILED
        run.actual_start = start + timedelta(seconds=1)
        run.actual_end = start + timedelta(seconds=2)
        run.error = "activation: the network element refused the request (" + "x" * 150 + ")"

    view = order_plan_view("order-1", OrderState.COMPLETED, execution)
    [answer] = pydantic_data_converter.payload_converter.to_payloads([view])

    assert len(view.tasks) == len(plan.tasks)
    assert answer.ByteSize() < BLOB_SIZE_LIMIT


def test_a_row_from_the_views_json_is_the_row_from_the_view() -> None:
    """Issue 24: the plan and timeline endpoints make rows from the view's JSON (a query's answer,
    or the view stored when the order closed) without validating it into models again."""
    from api.plan_views import task_row, task_row_json, when

    catalog = load_catalog_repository(ROOT / "catalog").latest
    plan = decompose(build_order(3), catalog).plan
    assert plan is not None
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    execution = PlanExecution.start(plan, start)
    statuses = list(TaskStatus)
    for n, run in enumerate(execution.runs.values()):  # every status, times with microseconds
        run.status = statuses[n % len(statuses)]
        run.actual_start = start + timedelta(seconds=n, microseconds=n * 1013)
        if run.status in {TaskStatus.COMPLETED, TaskStatus.FAILED}:
            run.actual_end = run.actual_start + timedelta(seconds=1)
            run.undo_start = run.actual_end if n % 2 == 0 else None
        run.error = "refused" if run.status == TaskStatus.FAILED else None
    view = order_plan_view("order-1", OrderState.IN_PROGRESS, execution)
    [answer] = pydantic_data_converter.payload_converter.to_payloads([view])
    [as_json] = pydantic_data_converter.payload_converter.from_payloads([answer], [dict])

    assert view.compensations
    assert [task_row_json(t) for t in as_json["tasks"]] == [task_row(t) for t in view.tasks]
    assert [task_row_json(t) for t in as_json["compensations"]] == [
        task_row(t) for t in view.compensations
    ]
    assert [when(t["actual_start"]) for t in as_json["tasks"]] == [
        t.actual_start for t in view.tasks
    ]
