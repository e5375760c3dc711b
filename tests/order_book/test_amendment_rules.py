"""Amendments at every point of a plan: what is discarded, undone, redone, withdrawn and added.

Hypothesis plays the domain orders' reports into an order book (any task finishing next, any
number of them) and then amends the order; no Temporal server, milliseconds per example.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decomposition.catalog import TaskKind
from decomposition.plan import Plan
from tmf.product_order import ItemState
from workflows.messages import AmendOrder
from workflows.order import amendment
from workflows.order.amendment import AmendmentSteps, amendment_steps, item_request
from workflows.order.book import OrderBook
from workflows.order.validation import Refusal, check_amendment
from workflows.plan_execution import ACTIVE, TaskStatus

from .books import NOW, advance, finish, new_book, plan_for

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _played(data: st.DataObject, offering: str) -> OrderBook:
    """An order stopped at a point of its plan drawn by hypothesis."""
    book = new_book(offering)
    steps = data.draw(st.integers(0, len(book.plan.plan.tasks)), label="tasks finished")
    advance(book, lambda active: data.draw(st.sampled_from(active)), steps)
    return book


def _depends_on(plan: Plan, later: str, earlier: str) -> bool:
    """`later` needs `earlier` done first, directly or through other tasks."""
    direct = plan.task(later).depends_on
    return earlier in direct or any(_depends_on(plan, d, earlier) for d in direct)


def _amend(book: OrderBook, patch: dict[str, object]) -> tuple[AmendmentSteps, Plan]:
    """What the workflow does for an amendment, without Temporal: plan, decide, apply."""
    amended = book.amended(patch)
    new_plan = plan_for(amended)
    steps = amendment_steps(book.plan, new_plan)
    book.retire(steps.delta.retire_when_done)
    amendment.apply(book, AmendOrder(patch=patch), amended, new_plan, None, steps, NOW)
    return steps, new_plan


@SETTINGS
@given(st.data())
def test_removing_an_item_undoes_its_work_and_leaves_the_other_alone(data: st.DataObject) -> None:
    book = _played(data, "iptv")  # item 1 broadband, item 2 IPTV relying on it
    old_plan = book.plan.plan
    status = {t.id: book.plan.runs[t.id].status for t in old_plan.tasks}
    iptv = [t.id for t in old_plan.tasks if t.root_item_id == "2"]
    broadband = {t.id for t in old_plan.tasks if t.root_item_id == "1"}
    patch: dict[str, object] = {"productOrderItem": [item_request(book.order.item("1"))]}  # type: ignore[arg-type]

    steps, _ = _amend(book, patch)

    delta = steps.delta
    for task_id in iptv:
        if status[task_id] == TaskStatus.COMPLETED:
            assert task_id in steps.undo_now and task_id in delta.compensated
        elif status[task_id] in ACTIVE:
            assert task_id in delta.retire_when_done
            kind = old_plan.task(task_id).kind
            assert (task_id in steps.withdrawn) == (kind != TaskKind.AUTOMATED)
        else:
            assert task_id in delta.discarded
    touched = {*steps.undo_now, *delta.retire_when_done, *delta.discarded, *delta.redone}
    assert not touched & broadband, "the broadband item is not part of the change"
    assert not delta.added and not delta.updated
    # Undone latest first: a task is undone before anything it depended on.
    for i, later in enumerate(steps.undo_now):
        for earlier in steps.undo_now[i + 1 :]:
            assert not _depends_on(old_plan, earlier, later)
    # The order keeps the item, cancelled, and records the amendment.
    removed = book.order.item("2")
    assert removed is not None and removed.state == ItemState.CANCELLED
    assert book.cancelled_items == {"2"}
    record = book.order.amendment[-1]  # type: ignore[index]
    assert (record.version, record.removed_items, record.added_items) == (2, ["2"], [])
    assert sorted(record.discarded) == sorted([*delta.discarded, *steps.withdrawn])
    assert all(t not in book.plan.runs for t in iptv), "the new plan has no IPTV task"


@SETTINGS
@given(st.data())
def test_a_system_call_removed_while_it_ran_is_undone_once_it_succeeds(
    data: st.DataObject,
) -> None:
    book = _played(data, "iptv")
    patch: dict[str, object] = {"productOrderItem": [item_request(book.order.item("1"))]}  # type: ignore[arg-type]
    steps, _ = _amend(book, patch)
    finishing = [t for t in steps.delta.retire_when_done if t not in steps.withdrawn]
    retired = {t: book.retired[t] for t in finishing}

    for task_id in finishing:
        finish(book, task_id)

    assert [task.id for task, _ in book.undo_queue] == finishing
    assert all(run is retired[task.id][1] for task, run in book.undo_queue)
    assert not set(finishing) & set(book.retired)


@SETTINGS
@given(st.data())
def test_a_new_address_redoes_done_work_and_updates_work_not_started(data: st.DataObject) -> None:
    book = _played(data, "fiber-broadband")
    old_runs = {t: r.model_copy() for t, r in book.plan.runs.items()}
    request = item_request(book.order.item("1"))  # type: ignore[arg-type]
    chars = request["product"]["productCharacteristic"]  # type: ignore[index]
    for c in chars:
        if c["name"] == "installationAddress":
            c["value"] = "7 Quai Voltaire, 75007 Paris"
    kinds = {t.id: t.kind for t in book.plan.plan.tasks}

    steps, new_plan = _amend(book, {"productOrderItem": [request]})

    delta = steps.delta
    changed = [*delta.redone, *delta.redo_when_done, *delta.updated]
    assert changed, "the installation address is in the tasks' data"
    for task_id in delta.redone:  # completed: undone now, then run anew with a new key
        assert old_runs[task_id].status == TaskStatus.COMPLETED and task_id in steps.undo_now
        assert book.plan.runs[task_id].run == old_runs[task_id].run + 1
        assert book.plan.runs[task_id].status == TaskStatus.PENDING
    for task_id in delta.redo_when_done:  # running: a manual job keeps its worker, else redone
        assert old_runs[task_id].status in ACTIVE
        assert (task_id in steps.reworked) == (kinds[task_id] == TaskKind.MANUAL)
        assert (task_id in book.redo) == (task_id not in steps.reworked)
    for task_id in delta.updated:  # not started: runs with the new data, same run
        assert old_runs[task_id].status == TaskStatus.PENDING
        assert book.plan.runs[task_id] is not None and book.plan.runs[task_id].run == 1
    assert not delta.discarded and not delta.compensated and not delta.added
    assert book.plan.plan is new_plan
    assert book.order.amendment[-1].changed_items == ["1"]  # type: ignore[index]


def test_a_task_changed_while_it_ran_is_undone_and_run_again_when_it_finishes() -> None:
    book = new_book("fiber-broadband")
    book.dispatch(NOW)
    task_id = "service-cfs-internet-access-1:book-install"  # a system call, tied to the address
    assert task_id in book.plan.runs and book.plan.runs[task_id].status == TaskStatus.RUNNING
    book.redo.add(task_id)

    finish(book, task_id)

    (undone, old_run), *_ = book.undo_queue
    assert (undone.id, old_run.run, old_run.status) == (task_id, 1, TaskStatus.COMPLETED)
    assert book.plan.runs[task_id].run == 2
    batches = book.dispatch(NOW)
    keys = [r.idempotency_key for batch in batches.values() for r in batch]
    assert f"o-1/{task_id}/2" in keys, "the redo is a new effect with a new idempotency key"


@SETTINGS
@given(st.data())
def test_an_amendment_is_refused_exactly_when_the_item_passed_its_point_of_no_return(
    data: st.DataObject,
) -> None:
    book = _played(data, "fiber-broadband")
    started = [
        t
        for t in book.plan.plan.tasks
        if t.point_of_no_return and book.plan.runs[t.id].status != TaskStatus.PENDING
    ]
    request = item_request(book.order.item("1"))  # type: ignore[arg-type]
    request["description"] = "please call before coming"

    try:
        check_amendment(book, AmendOrder(patch={"productOrderItem": [request]}), NOW)
        refused = None
    except Refusal as refusal:
        refused = refusal.kind

    assert refused == ("PointOfNoReturn" if started else None)
