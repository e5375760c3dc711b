"""TMF622 CancelProductOrder: a task resource asking to cancel an order."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from tmf.common import EntityRef, TmfModel, UtcDatetime
from tmf.product_order import PRODUCT_ORDERING_BASE


class CancelState(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "inProgress"
    DONE = "done"
    TERMINATED_WITH_ERROR = "terminatedWithError"


class CancelProductOrderCreate(TmfModel):
    product_order: EntityRef = Field(alias="productOrder")
    cancellation_reason: str | None = Field(
        default=None, alias="cancellationReason", max_length=2000
    )
    requested_cancellation_date: UtcDatetime | None = Field(
        default=None, alias="requestedCancellationDate"
    )


class CancelProductOrder(CancelProductOrderCreate):
    id: str
    href: str
    state: CancelState = CancelState.ACKNOWLEDGED
    effective_cancellation_date: UtcDatetime | None = Field(
        default=None, alias="effectiveCancellationDate"
    )
    error_message: str | None = Field(default=None, alias="errorMessage")


def cancel_href(base_url: str, cancel_id: str) -> str:
    return f"{base_url.rstrip('/')}{PRODUCT_ORDERING_BASE}/cancelProductOrder/{cancel_id}"
