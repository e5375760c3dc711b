"""Points of no return: when an item may no longer be amended or cancelled. Pure.

A task flagged `point_of_no_return` (soft) stops changes to its item once it has started, unless
a fulfillment manager lifts it; a `hard_point_of_no_return` (assetization) can never be lifted.
Tasks belong to the item at the root of their bundle (`root_item_id`), so a PONR passed by a
bundle's child product blocks the whole bundle item; a bundle's child item (nested, or linked by
`bundles`) is also its tasks' `item_id`, so its own PONR blocks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from workflows.plan_execution import PlanExecution, TaskStatus


def hard_point_of_no_return_passed(execution: PlanExecution, item_id: str) -> bool:
    return any(
        t.hard_point_of_no_return and execution.runs[t.id].status != TaskStatus.PENDING
        for t in execution.plan.tasks
        if item_id in (t.root_item_id, t.item_id)  # a bundle item, or one of its children
    )


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
    """The items, in the order given, that a change may no longer touch."""
    return [i for i in item_ids if past_point_of_no_return(execution, overrides, i)]
