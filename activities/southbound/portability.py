"""Number portability: port a customer's number in from another operator, or cancel that."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator
from store.simulators import ResourceState


@runtime_checkable
class NumberPortability(Protocol):
    def port_in(self, request: SouthboundRequest) -> SouthboundResult: ...
    def cancel_port_in(self, request: SouthboundRequest) -> SouthboundResult: ...


class PortabilitySimulator(Simulator):
    system = "portability"

    def port_in(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("port_in", request, self._port_in)

    def cancel_port_in(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("cancel_port_in", request, self._cancel_port_in)

    def _port_in(self, session: Session, request: SouthboundRequest) -> Outcome:
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
