"""SIM and eSIM provisioning: physical SIMs and eSIM profiles, and their deactivation."""

from __future__ import annotations

import random
from typing import Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator, new_id
from store.simulators import ResourceState


@runtime_checkable
class SimProvisioning(Protocol):
    def provision_sim(self, request: SouthboundRequest) -> SouthboundResult: ...
    def provision_esim(self, request: SouthboundRequest) -> SouthboundResult: ...
    def deactivate_sim(self, request: SouthboundRequest) -> SouthboundResult: ...


def _digits(count: int) -> str:
    return "".join(random.choice("0123456789") for _ in range(count))


class SimSimulator(Simulator):
    system = "sim"

    def provision_sim(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("provision_sim", request, self._provision_sim)

    def provision_esim(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("provision_esim", request, self._provision_esim)

    def deactivate_sim(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("deactivate_sim", request, self._deactivate_sim)

    def _provision_sim(self, session: Session, request: SouthboundRequest) -> Outcome:
        data = {"iccid": "8931" + _digits(15), "imsi": "20404" + _digits(10), "esim": False}
        sim = self.create(session, request, "sim", ResourceState.ACTIVE, "sim", data)
        return Outcome(sim.id, {"simId": sim.id, **data})

    def _provision_esim(self, session: Session, request: SouthboundRequest) -> Outcome:
        data = {
            "iccid": "8931" + _digits(15),
            "imsi": "20404" + _digits(10),
            "esim": True,
            "activationCode": f"LPA:1$smdp.tessera.test${new_id('ac')}",
        }
        sim = self.create(session, request, "sim", ResourceState.ACTIVE, "sim", data)
        return Outcome(sim.id, {"simId": sim.id, **data})

    def _deactivate_sim(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(
            session, request, "sim", {ResourceState.ACTIVE}, ResourceState.DEACTIVATED
        )
