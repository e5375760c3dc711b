"""Network inventory: access ports and IP addresses for an order item."""

from __future__ import annotations

import uuid
from typing import Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator
from store.simulators import ResourceState


@runtime_checkable
class NetworkInventory(Protocol):
    def reserve_port(self, request: SouthboundRequest) -> SouthboundResult: ...
    def release_port(self, request: SouthboundRequest) -> SouthboundResult: ...
    def assign_ip(self, request: SouthboundRequest) -> SouthboundResult: ...
    def release_ip(self, request: SouthboundRequest) -> SouthboundResult: ...


class InventorySimulator(Simulator):
    system = "inventory"

    def reserve_port(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("reserve_port", request, self._reserve_port)

    def release_port(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("release_port", request, self._release_port)

    def assign_ip(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("assign_ip", request, self._assign_ip)

    def release_ip(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("release_ip", request, self._release_ip)

    def _reserve_port(self, session: Session, request: SouthboundRequest) -> Outcome:
        technology = str(request.params.get("technology", "fiber"))
        port = self.create(
            session, request, "port", ResourceState.RESERVED, "port", {"technology": technology}
        )
        return Outcome(port.id, {"portId": port.id, "technology": technology})

    def _release_port(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(
            session, request, "port", {ResourceState.RESERVED}, ResourceState.RELEASED
        )

    def _assign_ip(self, session: Session, request: SouthboundRequest) -> Outcome:
        # A private address from random bytes: unique enough for a simulator.
        b = uuid.uuid4().bytes
        address = f"10.{b[0]}.{b[1]}.{max(b[2], 1)}"
        ip = self.create(
            session, request, "ip", ResourceState.ASSIGNED, "ip", {"ipAddress": address}
        )
        return Outcome(ip.id, {"ipAddress": address})

    def _release_ip(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(
            session, request, "ip", {ResourceState.ASSIGNED}, ResourceState.RELEASED
        )
