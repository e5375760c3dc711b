"""Number portability: port a customer's number in from another operator, or cancel that."""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from sqlmodel import Session
from temporalio.exceptions import ApplicationError

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator
from store.simulators import ResourceState


@runtime_checkable
class NumberPortability(Protocol):
    def port_in(self, request: SouthboundRequest) -> SouthboundResult: ...
    def cancel_port_in(self, request: SouthboundRequest) -> SouthboundResult: ...


# What the donor operator accepts as a PIN. A sealed reference (decomposition/secrets.py) is
# not one: the PIN reaches the system only if the activity revealed it.
_PIN = re.compile(r"[0-9]{4,8}")


class PortabilitySimulator(Simulator):
    system = "portability"
    redacted_params = frozenset({"portingPin"})

    def port_in(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("port_in", request, self._port_in)

    def cancel_port_in(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("cancel_port_in", request, self._cancel_port_in)

    def _port_in(self, session: Session, request: SouthboundRequest) -> Outcome:
        pin = request.params.get("portingPin")
        if not isinstance(pin, str) or not _PIN.fullmatch(pin):
            # Nothing is recorded: the effect's transaction rolls back.
            raise ApplicationError(
                "the donor operator refused the porting PIN",
                type="InvalidPortingPin",
                non_retryable=True,
            )
        data = {
            "msisdn": request.params.get("msisdn"),
            "donorOperator": request.params.get("donorOperator"),
        }
        port_in = self.create(session, request, "port_in", ResourceState.DONE, "pin", data)
        return Outcome(port_in.id, {"portInId": port_in.id, "msisdn": data["msisdn"]})

    def _cancel_port_in(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(
            session, request, "port_in", {ResourceState.DONE}, ResourceState.CANCELLED
        )
