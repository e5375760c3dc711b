"""A domain order's own rules, pure: activity ids stay unique across tries, an offline system is
waited for with growing pauses, and what its validators refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.domain_order_book import DomainOrderBook, manual_deadline
from workflows.messages import (
    ClaimManualTask,
    CompleteManualTask,
    FalloutAction,
    FalloutDecision,
    FalloutView,
    ManualTaskView,
    ReassignManualTask,
    RunTask,
)
from workflows.policy import OrderPolicy
from workflows.refusal import Refusal

from .books import new_book, order_of, plan_for


def _request(run: int = 1) -> RunTask:
    task = new_book("handset-nova-x5").plan.plan.tasks[0]
    return RunTask(task=task, idempotency_key=f"o-1/{task.id}/{run}")


@settings(deadline=None)  # the first example loads the catalog
@given(st.lists(st.sampled_from(["hold", "fallout"]), max_size=12), st.integers(1, 3))
def test_every_try_of_a_task_gets_its_own_activity_id(tries: list[str], run: int) -> None:
    book = DomainOrderBook([])
    request = _request(run)
    seen = {book.activity_id(request)}
    for kind in tries:
        counts = book.held if kind == "hold" else book.failures
        counts[request.task.id] = counts.get(request.task.id, 0) + 1
        seen.add(book.activity_id(request))
    assert len(seen) == len(tries) + 1
    assert all(request.task.id in i for i in seen), "the task id reads in the Temporal UI"
    assert (f"#{run}" in book.activity_id(request)) == (run > 1), "a redo is told apart"


def test_an_offline_system_is_waited_for_with_pauses_growing_to_the_maximum() -> None:
    book = DomainOrderBook([])
    policy = OrderPolicy(offline_first_pause_seconds=2, offline_max_pause_seconds=5)
    book.held["t"] = 0
    pauses = [book.next_offline_pause("t", policy) for _ in range(5)]
    assert pauses == [timedelta(seconds=s) for s in (2, 3, 4.5, 5, 5)]
    assert book.held["t"] == 5


def test_a_manual_task_is_claimed_by_one_technician_and_completed_once() -> None:
    book = DomainOrderBook([])
    request = _request()
    book.manual[request.task.id] = ManualTaskView(
        task_id=request.task.id, state="claimed", assignee="ann"
    )
    book.manual_runs[request.task.id] = request

    book.check_claim(ClaimManualTask(task_id=request.task.id, assignee="ann"))
    with pytest.raises(Refusal, match="already claimed by ann"):
        book.check_claim(ClaimManualTask(task_id=request.task.id, assignee="bob"))
    book.manual[request.task.id].state = "completed"
    with pytest.raises(Refusal, match="is not open"):
        book.check_completion(CompleteManualTask(task_id=request.task.id))


def test_a_fallout_skip_needs_the_result_of_the_work_done_by_hand() -> None:
    book = DomainOrderBook([])
    request = _request()
    book.fallout[request.task.id] = FalloutView(task_id=request.task.id, case_id="c", state="open")
    skip = FalloutDecision(task_id=request.task.id, action=FalloutAction.SKIP, agent="ann")

    with pytest.raises(Refusal) as refused:
        book.check_decision(skip)
    assert refused.value.kind == "InvalidResult"
    book.check_decision(skip.model_copy(update={"result": {"reference": "done by hand"}}))
    book.decisions[request.task.id] = skip
    with pytest.raises(Refusal, match="no open fallout case"):
        book.check_decision(skip)


@given(st.lists(st.sampled_from(["ann", "bob", "mia"]), min_size=1, max_size=8))
@settings(deadline=None)
def test_a_manager_hands_a_task_from_one_person_to_the_next_until_it_is_done(
    hands: list[str],
) -> None:
    book = DomainOrderBook([])
    request = _request()
    view = book.open_manual(request)
    book.claim(ClaimManualTask(task_id=request.task.id, assignee="ann"))
    holder: str | None = "ann"
    for assignee in hands:
        move = ReassignManualTask(task_id=request.task.id, assignee=assignee, actor="mia")
        if assignee == holder:
            with pytest.raises(Refusal, match="already"):
                book.check_reassign(move)
            continue
        book.check_reassign(move)
        assert book.reassign(move) == holder
        holder = assignee
        assert (view.state, view.assignee) == ("claimed", assignee)
        # A technician's claim of someone else's task is still refused.
        with pytest.raises(Refusal):
            book.check_claim(ClaimManualTask(task_id=request.task.id, assignee="zoe"))
    book.complete(CompleteManualTask(task_id=request.task.id, completed_by=holder))
    with pytest.raises(Refusal, match="not open"):
        book.check_reassign(
            ReassignManualTask(task_id=request.task.id, assignee="zoe", actor="mia")
        )


def test_a_manual_tasks_deadline_is_read_from_its_params() -> None:
    plan = plan_for(order_of("fiber-broadband"))
    manual = next(t for t in plan.tasks if t.kind == "manual")
    assert manual_deadline(manual) is None
    with_deadline = manual.model_copy(update={"params": {"deadline": "2026-12-21T09:00:00Z"}})
    assert manual_deadline(with_deadline) == datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
    garbled = manual.model_copy(update={"params": {"deadline": "returnWindow"}})
    assert manual_deadline(garbled) is None  # a template's marker never set: no timer
