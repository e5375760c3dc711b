"""What every southbound activity takes and returns, and the names the catalog refers to.

Pure pydantic and constants, safe to import from workflow code: the orchestrator dispatches an
activity by its name `"<system>.<operation>"` from the plan, so all share one input and one result.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# Every southbound system and its operations; the Temporal activity name is "<system>.<operation>".
SOUTHBOUND_OPERATIONS: dict[str, tuple[str, ...]] = {
    "inventory": ("reserve_port", "release_port", "assign_ip", "release_ip"),
    "activation": ("activate_service", "deactivate_service", "suspend_service", "resume_service"),
    "portability": ("port_in", "cancel_port_in"),
    "sim": ("provision_sim", "provision_esim", "deactivate_sim"),
    "shipping": ("ship", "cancel_shipment", "create_return_label"),
    "field_service": ("book_appointment", "cancel_appointment"),
    "billing": ("start_billing", "stop_billing", "adjust_billing"),
}

SYSTEMS: tuple[str, ...] = tuple(SOUTHBOUND_OPERATIONS)

ACTIVITY_NAMES: frozenset[str] = frozenset(
    f"{system}.{operation}"
    for system, operations in SOUTHBOUND_OPERATIONS.items()
    for operation in operations
)

# ApplicationError types raised by southbound activities, for retry policies and orchestrator logic.
SOUTHBOUND_TRANSIENT_ERROR = "SouthboundTransientError"  # retryable
SOUTHBOUND_PERMANENT_ERROR = "SouthboundPermanentError"  # non-retryable
SYSTEM_OFFLINE = "SystemOffline"  # retryable; the orchestrator may hold the task until it is back


class SouthboundRequest(BaseModel):
    # Unique per effect, e.g. "<order_id>/<task_id>/<attempt-of-plan-version>"; a call repeated with
    # the same key returns the first result and changes nothing.
    idempotency_key: str = Field(min_length=1, max_length=300)
    order_id: str = Field(min_length=1, max_length=64)
    item_id: str = Field(max_length=200)
    task_id: str = Field(max_length=200)
    # Characteristic values (technology, msisdn, ...). `reference` names an existing resource to act
    # on, for operations on something another order created (suspend a service, adjust billing).
    params: dict[str, Any] = {}
    # For undo operations: the idempotency key of the effect being undone.
    compensates: str | None = Field(default=None, max_length=300)


class SouthboundResult(BaseModel):
    system: str
    operation: str
    # The system's id of what it did or acted on (port id, shipment id, ...); "" for a no-op undo.
    reference: str
    data: dict[str, Any] = {}
    replayed: bool = False  # True when the idempotency key had already been applied
