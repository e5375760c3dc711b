"""Billing: start and stop charging for an order item, and adjust what was charged."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sqlmodel import Session

from activities.southbound.contract import SouthboundRequest, SouthboundResult
from activities.southbound.simulator import Outcome, Simulator, new_id
from store.simulators import ResourceState, utc_now


@runtime_checkable
class Billing(Protocol):
    def start_billing(self, request: SouthboundRequest) -> SouthboundResult: ...
    def stop_billing(self, request: SouthboundRequest) -> SouthboundResult: ...
    def adjust_billing(self, request: SouthboundRequest) -> SouthboundResult: ...


class BillingSimulator(Simulator):
    system = "billing"

    def start_billing(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("start_billing", request, self._start)

    def stop_billing(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("stop_billing", request, self._stop)

    def adjust_billing(self, request: SouthboundRequest) -> SouthboundResult:
        return self.perform("adjust_billing", request, self._adjust)

    def _start(self, session: Session, request: SouthboundRequest) -> Outcome:
        data = {"startDate": utc_now().isoformat() + "Z", "adjustments": []}
        account = self.create(
            session, request, "billing_account", ResourceState.STARTED, "ba", data
        )
        return Outcome(account.id, {"billingAccountId": account.id, "startDate": data["startDate"]})

    def _stop(self, session: Session, request: SouthboundRequest) -> Outcome:
        return self.transition(
            session,
            request,
            "billing_account",
            {ResourceState.STARTED},
            ResourceState.STOPPED,
            {"stopDate": utc_now().isoformat() + "Z"},
        )

    def _adjust(self, session: Session, request: SouthboundRequest) -> Outcome:
        # An adjustment is a booking on the account, not a resource a cancelled order must undo.
        adjustment = {
            "adjustmentId": new_id("adj"),
            "amount": request.params.get("amount"),
            "reason": request.params.get("reason"),
        }
        account = self.find_target(
            session, request, "billing_account", {ResourceState.STARTED, ResourceState.STOPPED}
        )
        if account is not None:
            adjustments = [*account.data.get("adjustments", []), adjustment]
            self.set_state(
                request, account, ResourceState(account.state), {"adjustments": adjustments}
            )
            session.add(account)
        billing_account_id = account.id if account is not None else None
        return Outcome(
            str(adjustment["adjustmentId"]), {**adjustment, "billingAccountId": billing_account_id}
        )
