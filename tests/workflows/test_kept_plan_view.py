"""A large order's plan view kept row by row (issue 24, workflows/plan_view_rows.py,
store/plan_rows.py): after its store writes, each carrying the rows that changed, the API's view
of it is the workflow's query answer; until every row is written the API asks the workflow; once
closed, its rows are its final view's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter

from activities.order_store import plan_rows_write
from api.order_plans import critical_path_json
from bench.bench_decomposition import build_order
from decomposition.decompose import decompose
from decomposition.secrets import SealedValue
from store import orders, plan_rows, secrets
from store.catalog_files import load_catalog_repository
from store.plan_rows import final_view_rows
from tests.helpers import stored_order
from tmf.product_order import OrderState, ProductOrder
from workflows.messages import TaskFinished
from workflows.plan_execution import PlanExecution
from workflows.plan_view import PLAN_VIEW, order_plan_view
from workflows.plan_view_rows import PlanViewSync

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _order() -> ProductOrder:
    return stored_order("open", START)


def _kept(order_id: str) -> dict[str, Any] | None:
    """The kept view with the critical path the timeline makes from it."""
    view = plan_rows.read_plan_view(order_id)
    return None if view is None else {**view, "critical_path": critical_path_json(view)}


def _query_answer(order: ProductOrder, execution: PlanExecution) -> dict[str, Any]:
    """What the workflow's `get_plan` query answers, as the API receives it."""
    view = order_plan_view(order.id, order.state, execution)
    converter = pydantic_data_converter.payload_converter
    answer: dict[str, Any] = converter.from_payloads(converter.to_payloads([view]), [dict])[0]
    return answer


def test_the_stored_view_is_the_query_answer_once_every_row_is_written() -> None:
    catalog = load_catalog_repository(ROOT / "catalog").latest
    plan = decompose(build_order(4), catalog).plan
    assert plan is not None
    order, execution, sync = _order(), PlanExecution.start(plan, START), PlanViewSync()
    revision = 1
    assert orders.save_order(order, revision, [])

    def write() -> None:
        nonlocal revision
        revision += 1
        changes = sync.changes(execution, limit=7)  # a few rows a write: the plan takes several
        orders.write_order_snapshot(order, revision, [], None, plan_rows_write(changes))

    write()
    # Rows still to come: the API asks the workflow.
    assert plan_rows.read_plan_view(order.id) is None
    for _ in range(len(plan.tasks)):  # a write at a time, until every row is in
        if plan_rows.read_plan_view(order.id) is not None:
            break
        write()
    assert _kept(order.id) == _query_answer(order, execution)
    # Tasks move between writes: started, finished (one failed), one undone.
    moved = plan.tasks[:6]
    for n, task in enumerate(moved):
        execution.mark_running(task.id, START + timedelta(minutes=n))
    write()
    for n, task in enumerate(moved[:4]):
        execution.finish(
            TaskFinished(
                task_id=task.id,
                succeeded=n != 2,
                started_at=START + timedelta(minutes=n),
                ended_at=START + timedelta(minutes=n + 5, seconds=n * 7),
                error=None if n != 2 else "the network element refused the request",
            )
        )
    undone = execution.runs[moved[0].id]
    undone.compensated, undone.undo_start = True, START + timedelta(hours=1)
    for _ in range(len(plan.tasks)):
        write()
    # Changes that move no time: a running task late, another in fallout.
    execution.runs[moved[4].id].jeopardy = "critical"
    execution.runs[moved[5].id].fallout_case_id = "case-1"
    for _ in range(len(plan.tasks)):  # until nothing is left to send
        write()

    stored = _kept(order.id)
    assert stored == _query_answer(order, execution)
    assert stored["compensations"] and stored["critical_path"]["task_ids"]

    # A run continued as new sends every row again, a few at a time: the view stays whole.
    sync = PlanViewSync()
    write()
    assert _kept(order.id) == stored


def _close(order: ProductOrder, execution: PlanExecution, revision: int) -> ProductOrder:
    """The closing write, as the store activity makes it (its view, and the view's rows)."""
    closed = order.model_copy(update={"state": OrderState.COMPLETED})
    view = order_plan_view(closed.id, closed.state, execution).model_dump(mode="json")
    closing = {**execution.model_dump(mode="json"), PLAN_VIEW: view}
    orders.write_order_snapshot(closed, revision, [], closing, final_view_rows(view))
    return closed


def test_a_new_plan_replaces_the_rows_and_a_closed_order_keeps_its_final_view() -> None:
    # Its secrets (a porting PIN) stay while it runs, whatever its writes carry.
    catalog = load_catalog_repository(ROOT / "catalog").latest
    first, second = (decompose(build_order(n), catalog).plan for n in (3, 2))
    assert first is not None and second is not None
    order, sync = _order(), PlanViewSync()
    assert orders.save_order(order, 1, [])
    pin = SealedValue(ref=f"sealed:{uuid.uuid4()}", name="portingPin", value="1234")
    secrets.keep_sealed(order.id, [pin])
    changes = sync.changes(PlanExecution.start(first, START))
    orders.write_order_snapshot(order, 2, [], None, plan_rows_write(changes))
    assert len(plan_rows.read_plan_view(order.id)["tasks"]) == len(first.tasks)  # type: ignore[index]

    amended = PlanExecution.start(second, START)  # e.g. an amendment planned the order again
    orders.write_order_snapshot(order, 3, [], None, plan_rows_write(sync.changes(amended)))
    assert _kept(order.id) == _query_answer(order, amended)
    assert secrets.sealed_of(order.id) == [pin.ref]

    # Closed with tasks moved since its last write: its rows are its final view's.
    for task in second.tasks[:3]:
        amended.mark_running(task.id, START + timedelta(minutes=1))
    closed = _close(order, amended, 4)
    assert _kept(order.id) == _query_answer(closed, amended)
    assert secrets.sealed_of(order.id) == []


def test_an_order_that_kept_no_rows_keeps_none_when_it_closes() -> None:
    catalog = load_catalog_repository(ROOT / "catalog").latest
    plan = decompose(build_order(2), catalog).plan
    assert plan is not None
    order = _order()
    assert orders.save_order(order, 1, [])
    _close(order, PlanExecution.start(plan, START), 2)
    assert plan_rows.read_plan_view(order.id) is None  # its closed plan answers, as before
    assert orders.closed_order_plan(order.id) is not None
