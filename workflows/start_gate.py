"""Nothing starts before the order's requested start date (issue 26). Pure, for the workflow.

A plan with a wait task of its own already honours the date where the catalog put it: the
mobile line waits for it before activation (its SIM ships ahead), a technician's visit is booked
at it. A plan with none (a handset) would otherwise run at once, so the whole plan waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from decomposition.catalog import TaskKind
from decomposition.plan import Plan


def until_start(requested_start: datetime | None, plan: Plan, now: datetime) -> timedelta | None:
    """How long the plan's first tasks must still wait, or None when they may run now."""
    if requested_start is None or requested_start <= now:
        return None
    if any(task.kind == TaskKind.WAIT_UNTIL for task in plan.tasks):
        return None
    return requested_start - now
