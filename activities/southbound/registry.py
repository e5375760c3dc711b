"""The southbound activities for the worker: one per "<system>.<operation>", over an adapter each.

Every system defaults to its simulator; pass SouthboundAdapters(shipping=RealShipping(), ...) to
use a real adapter for a system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.fallout import resolve_if_retried
from activities.southbound.activation import ActivationSimulator, ServiceActivation
from activities.southbound.billing import Billing, BillingSimulator
from activities.southbound.contract import (
    ACTIVITY_NAMES,
    SOUTHBOUND_OPERATIONS,
    SOUTHBOUND_PERMANENT_ERROR,
    SouthboundRequest,
    SouthboundResult,
)
from activities.southbound.faults import defaults_from_env
from activities.southbound.field_service import FieldService, FieldServiceSimulator
from activities.southbound.inventory import InventorySimulator, NetworkInventory
from activities.southbound.portability import NumberPortability, PortabilitySimulator
from activities.southbound.shipping import Shipping, ShippingSimulator
from activities.southbound.sim import SimProvisioning, SimSimulator
from decomposition.secrets import is_sealed
from observability.metrics import southbound_call
from store import secrets

__all__ = [
    "ACTIVITY_NAMES",
    "SouthboundAdapters",
    "southbound_activities",
    "southbound_activity_map",
]

Operation = Callable[[SouthboundRequest], SouthboundResult]


@dataclass(frozen=True)
class SouthboundAdapters:
    """The implementation of each system; field names are the system names."""

    inventory: NetworkInventory = field(default_factory=InventorySimulator)
    activation: ServiceActivation = field(default_factory=ActivationSimulator)
    portability: NumberPortability = field(default_factory=PortabilitySimulator)
    sim: SimProvisioning = field(default_factory=SimSimulator)
    shipping: Shipping = field(default_factory=ShippingSimulator)
    field_service: FieldService = field(default_factory=FieldServiceSimulator)
    billing: Billing = field(default_factory=BillingSimulator)


def with_secrets_revealed(request: SouthboundRequest) -> SouthboundRequest:
    """The request with each sealed value (decomposition/secrets.py) in place of its reference:
    only the system sees a secret, never the history. Gone once the order closed: then the task
    fails for good, and an agent retries it with the value given again."""
    refs = {value for value in request.params.values() if is_sealed(value)}
    if not refs:
        return request
    values = secrets.reveal(refs)
    missing = sorted(n for n, v in request.params.items() if is_sealed(v) and v not in values)
    if missing:
        raise ApplicationError(
            f"sealed value of {', '.join(missing)} is no longer kept; retry with it given again",
            type=SOUTHBOUND_PERMANENT_ERROR,
            non_retryable=True,
        )
    params = {name: values.get(value, value) for name, value in request.params.items()}
    return request.model_copy(update={"params": params})


def _as_activity(name: str, operation: Operation) -> Operation:
    # A plain function per name: Temporal reads its type hints to decode the pydantic input.
    # Sync on purpose: the store is sync, so the worker runs these in its thread pool.
    system, operation_name = name.split(".", 1)

    def run(request: SouthboundRequest) -> SouthboundResult:
        revealed = with_secrets_revealed(request)
        with southbound_call(system, operation_name):
            result = operation(revealed)
        resolve_if_retried(request.idempotency_key)
        return result

    run.__name__ = run.__qualname__ = name.replace(".", "__")
    return activity.defn(name=name)(run)


def southbound_activity_map(adapters: SouthboundAdapters | None = None) -> dict[str, Operation]:
    """Every southbound activity by its name."""
    adapters = adapters or SouthboundAdapters()
    # Fail at worker start, not on the first call, if SIMULATOR_DEFAULTS is malformed.
    defaults_from_env()
    return {
        f"{system}.{operation}": _as_activity(
            f"{system}.{operation}", getattr(getattr(adapters, system), operation)
        )
        for system, operations in SOUTHBOUND_OPERATIONS.items()
        for operation in operations
    }


def southbound_activities(adapters: SouthboundAdapters | None = None) -> list[Callable[..., Any]]:
    """Every southbound activity, for `Worker(activities=...)` (needs an activity_executor)."""
    return list(southbound_activity_map(adapters).values())
