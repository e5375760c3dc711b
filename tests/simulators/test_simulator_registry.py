"""The activity names, the interfaces, and swapping a simulator for another adapter."""

from __future__ import annotations

from typing import get_type_hints

import pytest
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from activities.southbound import registry
from activities.southbound.contract import (
    SOUTHBOUND_OPERATIONS,
    SouthboundRequest,
    SouthboundResult,
)
from activities.southbound.faults import DEFAULTS_ENV_VAR, defaults_from_env
from tests.simulators.support import make_request, new_order_id, run

EXPECTED_NAMES = {
    "inventory.reserve_port",
    "inventory.release_port",
    "inventory.assign_ip",
    "inventory.release_ip",
    "activation.activate_service",
    "activation.deactivate_service",
    "activation.suspend_service",
    "activation.resume_service",
    "portability.port_in",
    "portability.cancel_port_in",
    "sim.provision_sim",
    "sim.provision_esim",
    "sim.deactivate_sim",
    "shipping.ship",
    "shipping.cancel_shipment",
    "shipping.create_return_label",
    "field_service.book_appointment",
    "field_service.cancel_appointment",
    "billing.start_billing",
    "billing.stop_billing",
    "billing.adjust_billing",
}


def _activity_name(fn: object) -> str:
    # The SDK keeps the definition on the function; this is what the worker registers.
    definition = activity._Definition.from_callable(fn)  # type: ignore[arg-type]
    assert definition is not None
    return definition.name or ""


def test_every_operation_is_an_activity_under_its_catalog_name() -> None:
    assert registry.ACTIVITY_NAMES == EXPECTED_NAMES
    activities = registry.southbound_activities()
    assert sorted(_activity_name(fn) for fn in activities) == sorted(EXPECTED_NAMES)


@pytest.mark.parametrize("system", sorted(SOUTHBOUND_OPERATIONS))
def test_each_simulator_implements_its_interface(system: str) -> None:
    protocol = get_type_hints(registry.SouthboundAdapters)[system]
    simulator = getattr(registry.SouthboundAdapters(), system)
    assert isinstance(simulator, protocol)
    declared = {name for name in vars(protocol) if not name.startswith("_")}
    assert declared == set(SOUTHBOUND_OPERATIONS[system])


class FakeShipping:
    """A stand-in for a real shipping adapter."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _result(self, operation: str, request: SouthboundRequest) -> SouthboundResult:
        self.calls.append(operation)
        return SouthboundResult(system="shipping", operation=operation, reference="real-1")

    def ship(self, request: SouthboundRequest) -> SouthboundResult:
        return self._result("ship", request)

    def cancel_shipment(self, request: SouthboundRequest) -> SouthboundResult:
        return self._result("cancel_shipment", request)

    def create_return_label(self, request: SouthboundRequest) -> SouthboundResult:
        return self._result("create_return_label", request)


def test_a_real_adapter_replaces_a_simulator() -> None:
    fake = FakeShipping()
    activities = registry.southbound_activity_map(registry.SouthboundAdapters(shipping=fake))
    order_id = new_order_id()
    result = ActivityEnvironment().run(activities["shipping.ship"], make_request(order_id, "t1"))
    assert result.reference == "real-1"
    assert fake.calls == ["ship"]
    # The other systems are still simulated.
    assert run("inventory.reserve_port", make_request(order_id, "t2")).reference.startswith("port-")


def test_a_malformed_simulator_defaults_fails_at_worker_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DEFAULTS_ENV_VAR, '{"shiping": {"latencyMs": 5}}')
    defaults_from_env.cache_clear()
    with pytest.raises(ValueError, match="shiping"):
        registry.southbound_activities()
