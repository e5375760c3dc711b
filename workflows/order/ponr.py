"""Points of no return: when an item may no longer be amended or cancelled. Pure.

A task flagged `point_of_no_return` (soft) stops changes to its item once it has started, unless
a fulfillment manager lifts it; a `hard_point_of_no_return` (assetization) can never be lifted.
Tasks belong to the item at the root of their bundle (`root_item_id`), so a PONR passed by a
bundle's child product blocks the whole bundle item; a bundle's child item (nested, or linked by
`bundles`) is also its tasks' `item_id`, so its own PONR blocks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from decomposition.plan import Plan, PlanTask, kept_for
from workflows.plan_execution import PlanExecution, TaskStatus


def hard_point_of_no_return_passed(execution: PlanExecution, item_id: str) -> bool:
    runs = execution.runs
    return any(
        runs[t.id].status != TaskStatus.PENDING
        for t in _hard_points(execution.plan).get(item_id, ())
    )


def _hard_points(plan: Plan) -> dict[str, list[PlanTask]]:
    """Each item's hard-PONR tasks, under its root item and its own id (a bundle item, or one of
    its children), kept per plan: an amendment of a 1,000-item order asks for every item it
    touches, and walking 7,500 tasks for each passed the SDK's 2 s deadlock detector."""

    def build() -> dict[str, list[PlanTask]]:
        found: dict[str, list[PlanTask]] = {}
        for task in plan.tasks:
            if task.hard_point_of_no_return:
                for item_id in dict.fromkeys((task.root_item_id, task.item_id)):
                    found.setdefault(item_id, []).append(task)
        return found

    return kept_for(plan.tasks, "hard_points_of_no_return", build)


def past_point_of_no_return(
    execution: PlanExecution, overrides: Mapping[str, str], item_id: str
) -> bool:
    """Past a hard PONR, or past a soft one nobody lifted."""
    if hard_point_of_no_return_passed(execution, item_id):
        return True
    soft = execution.point_of_no_return_passed(item_id)
    return soft and item_id not in overrides


def blocking_items(
    execution: PlanExecution, overrides: Mapping[str, str], item_ids: Iterable[str]
) -> list[str]:
    """The items, in the order given, that a change may no longer touch (`past_point_of_no_return`
    of each, the soft PONRs passed counted once)."""
    soft = execution.items_past_point_of_no_return()
    return [
        i
        for i in item_ids
        if hard_point_of_no_return_passed(execution, i) or (i in soft and i not in overrides)
    ]
