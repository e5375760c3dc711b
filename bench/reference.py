"""The reference orders: a fixed mix, one order of each sample offering of tests/sample_orders.py.

Order i is of offering MIX[i % len(MIX)], so any N that is a multiple of len(MIX) holds the same
number of each. Every order asks to start now: with SIMULATOR_NEXT_SLOT_SECONDS=0 technicians
come at once, and the field-workforce simulator completes the manual tasks.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from bench.common import ROOT
from bench.floor_workflow import FloorTask
from tests.sample_orders import SAMPLE_ITEMS, sample_order

MIX: tuple[str, ...] = tuple(SAMPLE_ITEMS)


def offering_of(i: int) -> str:
    return MIX[i % len(MIX)]


def reference_order(i: int, run: str, offering: str | None = None) -> dict[str, Any]:
    offering = offering or offering_of(i)
    return sample_order(offering, customer=f"bench-{run}-{i}", start_in=timedelta(0))


@cache
def plan_of(offering: str) -> Any:
    """The plan the order workflow builds for a sample order of this offering."""
    from decomposition.decompose import decompose
    from store.catalog_files import load_catalog_repository
    from tmf.product_order import ProductOrderCreate

    catalog = load_catalog_repository(ROOT / "catalog").latest
    result = decompose(ProductOrderCreate.model_validate(sample_order(offering)), catalog)
    assert result.plan is not None, result.problems
    return result.plan


def domain_order_count(offering: str) -> int:
    """Domain orders in the offering's plan: an order starts one child workflow per each."""
    return len(plan_of(offering).domain_orders)


def children_started(offering: str) -> int:
    """Child workflows an order of this offering starts: one per domain order with a task that
    its domain order runs (an automated call or a manual job). Milestones and waits already over
    are finished by the order itself, and a domain order without tasks never starts a child."""
    plan = plan_of(offering)
    return len({t.domain_order_id for t in plan.tasks if t.kind.value in {"automated", "manual"}})


def domains_started(offering: str) -> int:
    """Child workflows an order of this offering would start with one child per domain
    (product, service, resource) instead of one per domain order: the grouping TMF641 and
    TMF652 orders allow (a service order holding several service order items). Issue 24 asks
    what that would give; Tessera does not run it."""
    plan = plan_of(offering)
    runs_tasks = {t.domain_order_id for t in plan.tasks if t.kind.value in {"automated", "manual"}}
    return len({d.domain for d in plan.domain_orders if d.id in runs_tasks})


def floor_dag(offering: str) -> list[FloorTask]:
    """The plan's task DAG in topological order: one no-op activity per plan task."""
    plan = plan_of(offering)
    return [
        FloorTask(id=task_id, depends_on=list(plan.task(task_id).depends_on))
        for task_id in plan.topological_order()
    ]


def dag_width(tasks: list[FloorTask]) -> int:
    """The most tasks on one level of the DAG (level = longest path from a root)."""
    level: dict[str, int] = {}
    for task in tasks:
        level[task.id] = 1 + max((level[d] for d in task.depends_on), default=0)
    counts: dict[int, int] = {}
    for value in level.values():
        counts[value] = counts.get(value, 0) + 1
    return max(counts.values())


def plan_facts(offering: str) -> dict[str, Any]:
    plan = plan_of(offering)
    kinds: dict[str, int] = {}
    for task in plan.tasks:
        kinds[task.kind.value] = kinds.get(task.kind.value, 0) + 1
    return {
        "tasks": len(plan.tasks),
        "domain_orders": domain_order_count(offering),
        "children_started": children_started(offering),
        "kinds": kinds,
        "dag_width": dag_width(floor_dag(offering)),
        "automated": sorted(t.activity for t in plan.tasks if t.activity),
    }
