"""Whether an amendment may be taken at all: pure, so the order workflow's validator asks it
in one line and refuses before anything reaches history."""

from __future__ import annotations

from dataclasses import dataclass

from tmf.cancel_order import CancelProductOrder, CancelState
from tmf.product_order import ProductOrder


@dataclass(frozen=True)
class Refusal:
    type: str  # the ApplicationError type the API maps to a status (api/workflow_calls.py)
    message: str


def amendment_refusal(
    order: ProductOrder,
    cancellation: CancelProductOrder | None,
    expected_version: int | None,
    amendment_under_way: bool,
) -> Refusal | None:
    """Once a cancellation is accepted (acknowledged or being assessed, whatever its requested
    date), the order is going away: a later amendment is refused. With `If-Match`, the client's
    version must be the order's, and no other amendment may be under way (it would change it)."""
    if cancellation is not None and cancellation.state in {
        CancelState.ACKNOWLEDGED,
        CancelState.IN_PROGRESS,
    }:
        return Refusal("InvalidState", "the order is being cancelled")
    if expected_version is not None and (expected_version != order.version or amendment_under_way):
        return Refusal(
            "PreconditionFailed",
            f"the order has changed: version {order.version}"
            + (" with an amendment under way" if amendment_under_way else "")
            + f", not {expected_version}",
        )
    return None
