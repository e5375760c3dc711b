"""Field service: book and cancel a technician's appointment at the customer's site."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator
from config.settings import get_settings
from store.simulators import ResourceState

APPOINTMENT_DURATION = timedelta(hours=2)


@runtime_checkable
class FieldService(Protocol):
    def book_appointment(self, request: SouthboundRequest) -> SouthboundResult: ...
    def cancel_appointment(self, request: SouthboundRequest) -> SouthboundResult: ...


def appointment_start(
    requested: Any, now: datetime, next_slot_seconds: int | None = None
) -> datetime:
    """The requested start if it is a future ISO date-time, else the next free slot: the next
    day at 09:00 UTC, or `next_slot_seconds` from now (SIMULATOR_NEXT_SLOT_SECONDS, for demos
    and tests that cannot wait a night)."""
    if isinstance(requested, str):
        try:
            start = datetime.fromisoformat(requested)
        except ValueError:
            start = None
        if start is not None:
            start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
            if start > now:
                return start
    if next_slot_seconds is not None:
        return now + timedelta(seconds=next_slot_seconds)
    return datetime.combine(now.date() + timedelta(days=1), time(9, 0), tzinfo=UTC)


class FieldServiceSimulator(Simulator):
    system = "field_service"

    def book_appointment(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("book_appointment", request, self._book)

    def cancel_appointment(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("cancel_appointment", request, self._cancel)

    def _book(self, session: Session, request: SouthboundRequest) -> Outcome:
        start = appointment_start(
            request.params.get("requestedStartDate"),
            datetime.now(UTC),
            get_settings().simulator_next_slot_seconds,
        )
        data = {
            "start": start.isoformat().replace("+00:00", "Z"),
            "end": (start + APPOINTMENT_DURATION).isoformat().replace("+00:00", "Z"),
        }
        appointment = self.create(
            session, request, "appointment", ResourceState.BOOKED, "apt", data
        )
        return Outcome(appointment.id, {"appointmentId": appointment.id, **data})

    def _cancel(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(
            session, request, "appointment", {ResourceState.BOOKED}, ResourceState.CANCELLED
        )
