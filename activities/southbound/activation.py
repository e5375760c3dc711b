"""Service activation in the network: activate, deactivate, suspend and resume a service."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator
from store.simulators import ResourceState

_LIVE = {ResourceState.ACTIVE, ResourceState.SUSPENDED}


@runtime_checkable
class ServiceActivation(Protocol):
    def activate_service(self, request: SouthboundRequest) -> SouthboundResult: ...
    def deactivate_service(self, request: SouthboundRequest) -> SouthboundResult: ...
    def suspend_service(self, request: SouthboundRequest) -> SouthboundResult: ...
    def resume_service(self, request: SouthboundRequest) -> SouthboundResult: ...


class ActivationSimulator(Simulator):
    system = "activation"

    def activate_service(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("activate_service", request, self._activate)

    def deactivate_service(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("deactivate_service", request, self._deactivate)

    def suspend_service(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("suspend_service", request, self._suspend)

    def resume_service(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("resume_service", request, self._resume)

    def _activate(self, session: Session, request: SouthboundRequest) -> Outcome:
        service = self.create(session, request, "service", ResourceState.ACTIVE, "svc")
        return Outcome(service.id, {"serviceId": service.id, "state": service.state})

    def _deactivate(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(session, request, "service", _LIVE, ResourceState.DEACTIVATED)

    def _suspend(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self._switch(session, request, ResourceState.SUSPENDED)

    def _resume(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self._switch(session, request, ResourceState.ACTIVE)

    def _switch(self, session: Session, request: SouthboundRequest, to: ResourceState) -> Outcome:
        service = self.find_target(session, request, "service", _LIVE)
        if service is None and not request.compensates:
            # A service this simulator never saw (activated before it, or in another system's
            # era): the network knows it, so take it over rather than fail the order.
            reference = request.params.get("reference")
            adopted = {"adopted": True, "externalId": reference} if reference else {"adopted": True}
            service = self.create(session, request, "service", to, "svc", adopted)
            return Outcome(service.id, {"serviceId": service.id, "state": to.value, **adopted})
        if service is None or service.state not in _LIVE:
            # Compensating something never done, or a deactivated service: nothing to change.
            return Outcome(service.id if service else "", {"noop": True})
        self.set_state(request, service, to)
        session.add(service)
        return Outcome(service.id, {"serviceId": service.id, "state": to.value})
