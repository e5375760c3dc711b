"""Shipping of equipment (routers, SIM cards): ship, cancel a shipment, label its return."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator, new_id
from decomposition.stock import destination_of
from store import stock
from store.simulators import ResourceState


@runtime_checkable
class Shipping(Protocol):
    def ship(self, request: SouthboundRequest) -> SouthboundResult: ...
    def cancel_shipment(self, request: SouthboundRequest) -> SouthboundResult: ...
    def create_return_label(self, request: SouthboundRequest) -> SouthboundResult: ...


class ShippingSimulator(Simulator):
    system = "shipping"

    def ship(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("ship", request, self._ship)

    def cancel_shipment(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("cancel_shipment", request, self._cancel_shipment)

    def create_return_label(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("create_return_label", request, self._create_return_label)

    def _ship(self, session: Session, request: SouthboundRequest) -> Outcome:
        tracking = new_id("trk")
        # A stocked unit leaves from the nearest location that has one (store/stock.py).
        destination = destination_of(request.params.get("deliveryAddress"))
        origin = stock.ship_unit(session, request.order_id, request.item_id, destination)
        data = {
            "trackingNumber": tracking,
            "equipment": request.params.get("equipment"),
            "shippedFrom": origin,
        }
        shipment = self.create(session, request, "shipment", ResourceState.SHIPPED, "shp", data)
        result = {"shipmentId": shipment.id, "trackingNumber": tracking}
        if origin is not None:
            result["shippedFrom"] = origin
        return Outcome(shipment.id, result)

    def _cancel_shipment(self, session: Session, request: SouthboundRequest) -> Outcome:
        stock.return_unit(session, request.order_id, request.item_id)
        return self.transition(
            session, request, "shipment", {ResourceState.SHIPPED}, ResourceState.CANCELLED
        )

    def _create_return_label(self, session: Session, request: SouthboundRequest) -> Outcome:
        # The customer sends the equipment back: the shipment no longer holds anything.
        label = {"returnLabelId": new_id("rtl")}
        return self.transition(
            session, request, "shipment", {ResourceState.SHIPPED}, ResourceState.RETURNED, label
        )
