"""Operational policy an order runs under: settings handed to the workflow in its input.

Workflow code cannot read the environment (it must replay the same), so the API builds the
policy from settings when it starts the order, and the order keeps it for life.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class OrderPolicy(BaseModel):
    # A task is in jeopardy `warning` past this share of its expected duration, `critical` past all.
    jeopardy_warning_share: float = Field(default=0.8, gt=0, le=1)
    # Due date when the order names no requestedCompletionDate: hours after the order date, by
    # priority ("0" highest .. "4" lowest).
    due_hours_by_priority: dict[str, float] = Field(
        default_factory=lambda: {"0": 24.0, "1": 72.0, "2": 168.0, "3": 336.0, "4": 720.0}
    )
    default_due_hours: float = 336
    # An order waiting for a person's review (approval, suspected duplicate) is in jeopardy past
    # this (warning at jeopardy_warning_share of it): the wait has a threshold of its own.
    approval_jeopardy_hours: float = Field(default=24, gt=0)
    # While a southbound system is offline, its tasks try again after pauses growing to the max.
    offline_first_pause_seconds: float = 2
    offline_max_pause_seconds: float = 60
    # One call to a southbound system. A task's expected duration is business time (a shipment
    # takes days), not how long a call may hang: a worker killed mid-call is retried after this.
    southbound_attempt_timeout_seconds: float = Field(default=30, gt=0)
    # The order workflow continues as new once its history has this many events (issue 24: a
    # history replayed from its start must fit the workflow task timeout).
    continue_as_new_after_events: int = Field(default=10_000, ge=100)

    def due_hours(self, priority: str | None) -> float:
        return self.due_hours_by_priority.get(priority or "", self.default_due_hours)
