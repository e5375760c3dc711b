"""Item and domain order states that the order workflow derives from its task runs.

The workflow computes them for the whole order in one pass after every task event; these tests
hold that against the rules stated item by item, over generated orders and task outcomes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_orders import item, load_catalog, order
from test_properties import orders

from decomposition.decompose import decompose
from decomposition.plan import Plan
from tmf.product_order import ItemState
from workflows.plan_execution import PlanExecution, TaskRun, TaskStatus

CATALOG = load_catalog()
ADDRESS = "1 Main St"
NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plan(o: Any) -> Plan:
    result = decompose(o, CATALOG)
    assert result.plan is not None, result.problems
    return result.plan


def _can_never_run(plan: Plan, runs: dict[str, TaskStatus], task_id: str) -> bool:
    """Pending, and a task it depends on failed or is itself pending and can never run."""
    if runs[task_id] != TaskStatus.PENDING:
        return False
    return any(
        runs[dep] == TaskStatus.FAILED or _can_never_run(plan, runs, dep)
        for dep in plan.task(task_id).depends_on
    )


def _expected_item_state(plan: Plan, runs: dict[str, TaskStatus], item_id: str) -> ItemState:
    tasks = [t for t in plan.tasks if t.root_item_id == item_id]
    statuses = [runs[t.id] for t in tasks]
    if TaskStatus.FAILED in statuses or any(_can_never_run(plan, runs, t.id) for t in tasks):
        return ItemState.FAILED
    if all(s == TaskStatus.COMPLETED for s in statuses):
        return ItemState.COMPLETED
    if any(s in (TaskStatus.HELD, TaskStatus.FALLOUT) for s in statuses):
        return ItemState.HELD
    return ItemState.IN_PROGRESS


@SETTINGS
@given(orders(), st.data())
def test_states_follow_the_task_runs(o: Any, data: st.DataObject) -> None:
    plan = _plan(o)
    execution = PlanExecution.start(plan, NOW)
    statuses = data.draw(
        st.lists(
            st.sampled_from(list(TaskStatus)), min_size=len(plan.tasks), max_size=len(plan.tasks)
        )
    )
    runs = {t.id: s for t, s in zip(plan.tasks, statuses, strict=True)}
    execution.item_states()  # counted once: the tally must follow every change after (issue 24)
    for task_id, status in runs.items():
        execution.runs[task_id].status = status

    items = execution.item_states()
    assert set(items) == {t.root_item_id for t in plan.tasks}
    for item_id, state in items.items():
        assert state == _expected_item_state(plan, runs, item_id), item_id

    domain_orders = execution.domain_order_states()
    assert set(domain_orders) == {d.id for d in plan.domain_orders}
    for d in plan.domain_orders:
        mine = {runs[t.id] for t in plan.tasks if t.domain_order_id == d.id}
        if TaskStatus.FAILED in mine:
            assert domain_orders[d.id] == "failed"
        elif mine & {TaskStatus.HELD, TaskStatus.FALLOUT}:
            assert domain_orders[d.id] == "held"
        elif mine <= {TaskStatus.COMPLETED}:
            assert domain_orders[d.id] == "completed"
        elif mine == {TaskStatus.PENDING}:
            assert domain_orders[d.id] == "acknowledged"
        else:
            assert domain_orders[d.id] == "inProgress"

    # An item is past its point of no return once one of its tasks flagged so has started.
    past = execution.items_past_point_of_no_return()
    for item_id in items:
        flagged = [t for t in plan.tasks if t.root_item_id == item_id and t.point_of_no_return]
        assert (item_id in past) == any(runs[t.id] != TaskStatus.PENDING for t in flagged)


def test_a_failed_task_fails_the_items_whose_tasks_wait_behind_it() -> None:
    # IPTV relies on the broadband of the same order: its tasks wait for the broadband's.
    plan = _plan(
        order(
            item("bb", "fiber-broadband", {"installationAddress": ADDRESS, "downloadSpeed": 500}),
            item("tv", "iptv", {"deliveryAddress": "1 Main St"}, relies_on=("bb",)),
            item("phone", "handset-nova-x5", {"deliveryAddress": "1 Main St", "color": "blue"}),
        )
    )
    execution = PlanExecution.start(plan, NOW)
    assert execution.item_states() == dict.fromkeys(["bb", "tv", "phone"], ItemState.IN_PROGRESS)

    waited_on = {d for t in plan.tasks if t.root_item_id == "tv" for d in t.depends_on}
    first_bb = next(t for t in plan.tasks if t.root_item_id == "bb" and t.id in waited_on)
    execution.runs[first_bb.id].status = TaskStatus.FAILED
    states = execution.item_states()
    assert states["bb"] == ItemState.FAILED
    assert states["phone"] == ItemState.IN_PROGRESS
    assert states["tv"] == ItemState.FAILED  # a TV task waits for the failed one: it never runs

    for task in plan.tasks:
        if task.root_item_id == "phone":
            execution.runs[task.id].status = TaskStatus.COMPLETED
    assert execution.item_states()["phone"] == ItemState.COMPLETED
    phone_orders = [d.id for d in plan.domain_orders if d.root_item_id == "phone"]
    assert {execution.domain_order_states()[d] for d in phone_orders} == {"completed"}


@SETTINGS
@given(orders(), st.data())
def test_states_kept_as_tasks_move_are_those_counted_afresh(o: Any, data: st.DataObject) -> None:
    """Issue 24: the states come from a tally moved by each status change; through any sequence
    of changes, a run replaced (a redo) or the runs replaced (an amendment), they are the states
    an execution counted from scratch finds."""
    plan = _plan(o)
    execution = PlanExecution.start(plan, NOW)
    ids = [t.id for t in plan.tasks]
    steps = data.draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(list(TaskStatus)), st.integers(0, 9)),
            max_size=40,
        )
    )
    for task_id, status, how in steps:
        if how == 0:  # a redo: a new run in its place
            execution.runs[task_id] = TaskRun(task_id=task_id, run=2, status=status)
        elif how == 1:  # an amendment: the same runs in a new dict
            execution.runs = dict(execution.runs)
            execution.runs[task_id].status = status
        else:
            execution.runs[task_id].status = status
        fresh = PlanExecution.model_validate(execution.model_dump())
        assert execution.item_states() == fresh.item_states()
        assert execution.domain_order_states() == fresh.domain_order_states()
        assert execution.items_past_point_of_no_return() == fresh.items_past_point_of_no_return()
        assert execution.derived_states() == (
            fresh.item_states(),
            fresh.domain_order_states(),
            fresh.items_past_point_of_no_return(),
        )
        # The ready tasks, kept as tasks move, are those the plan's rule finds from the runs.
        done = [i for i, r in execution.runs.items() if r.status == TaskStatus.COMPLETED]
        started = [i for i, r in execution.runs.items() if r.status != TaskStatus.PENDING]
        assert execution.ready() == plan.ready_tasks(done, started)
