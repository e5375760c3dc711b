"""Effects apply exactly once per idempotency key, and undo operations release what was done."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.exceptions import ApplicationError

from activities.southbound.contract import SOUTHBOUND_PERMANENT_ERROR, SouthboundResult
from store import simulators
from store.simulator_tables import SimulatorEffect
from store.simulators import HELD_STATES, ResourceState, active_resources, effects_for
from tests.simulators.support import make_request, new_order_id, run

# (operation that creates, operation that undoes it, the resource's state once undone)
UNDO_PAIRS = [
    ("inventory.reserve_port", "inventory.release_port", ResourceState.RELEASED),
    ("inventory.assign_ip", "inventory.release_ip", ResourceState.RELEASED),
    ("activation.activate_service", "activation.deactivate_service", ResourceState.DEACTIVATED),
    ("portability.port_in", "portability.cancel_port_in", ResourceState.CANCELLED),
    ("sim.provision_sim", "sim.deactivate_sim", ResourceState.DEACTIVATED),
    ("sim.provision_esim", "sim.deactivate_sim", ResourceState.DEACTIVATED),
    ("shipping.ship", "shipping.cancel_shipment", ResourceState.CANCELLED),
    ("shipping.ship", "shipping.create_return_label", ResourceState.RETURNED),
    ("field_service.book_appointment", "field_service.cancel_appointment", ResourceState.CANCELLED),
    ("billing.start_billing", "billing.stop_billing", ResourceState.STOPPED),
]


def test_same_key_twice_applies_once_and_replays_the_first_result() -> None:
    order_id = new_order_id()
    request = make_request(order_id, "reserve", technology="fiber")

    first = run("inventory.reserve_port", request)
    second = run("inventory.reserve_port", request)

    assert not first.replayed
    assert second.replayed
    assert second.model_copy(update={"replayed": False}) == first
    assert [e.operation for e in effects_for(order_id)] == ["reserve_port"]
    [port] = active_resources(order_id)
    assert (port.id, port.state, port.data["technology"]) == (first.reference, "reserved", "fiber")


def test_different_keys_apply_separate_effects() -> None:
    order_id = new_order_id()
    a = run("inventory.reserve_port", make_request(order_id, "reserve"))
    b = run("inventory.reserve_port", make_request(order_id, "reserve"))
    assert a.reference != b.reference
    assert len(effects_for(order_id)) == 2
    assert len(active_resources(order_id)) == 2


def test_concurrent_calls_with_one_key_apply_one_effect() -> None:
    # A timed-out attempt still running while its retry starts: both carry the same key.
    order_id = new_order_id()
    request = make_request(order_id, "ship")
    start = threading.Barrier(6)

    def call() -> SouthboundResult:
        start.wait()
        return run("shipping.ship", request)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: call(), range(6)))

    assert sum(not r.replayed for r in results) == 1
    assert len({r.reference for r in results}) == 1
    assert len(effects_for(order_id)) == 1
    assert len(active_resources(order_id)) == 1


def test_a_key_recorded_between_check_and_insert_is_replayed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The race of the test above, made deterministic: the first lookup misses, the insert collides.
    order_id = new_order_id()
    request = make_request(order_id, "bill")
    first = run("billing.start_billing", request)
    real_find = simulators.find_effect
    lookups: list[str] = []

    def miss_once(key: str) -> SimulatorEffect | None:
        lookups.append(key)
        return None if len(lookups) == 1 else real_find(key)

    monkeypatch.setattr(simulators, "find_effect", miss_once)
    second = run("billing.start_billing", request)

    assert len(lookups) == 2  # missed, collided on the unique key, then read the first
    assert second.replayed and second.reference == first.reference
    assert len(effects_for(order_id)) == 1
    assert len(active_resources(order_id)) == 1


def test_a_key_reused_for_another_operation_is_a_permanent_error() -> None:
    order_id = new_order_id()
    request = make_request(order_id, "t1")
    run("inventory.reserve_port", request)
    with pytest.raises(ApplicationError) as raised:
        run("inventory.assign_ip", request)
    assert raised.value.type == SOUTHBOUND_PERMANENT_ERROR
    assert raised.value.non_retryable
    assert len(effects_for(order_id)) == 1


@pytest.mark.parametrize(("do", "undo", "undone_state"), UNDO_PAIRS)
def test_compensation_by_key_releases_the_resource(
    do: str, undo: str, undone_state: ResourceState
) -> None:
    order_id = new_order_id()
    done_request = make_request(order_id, "do")
    done = run(do, done_request)
    [held] = active_resources(order_id)
    assert held.id == done.reference and held.state in HELD_STATES

    undone = run(undo, make_request(order_id, "undo", compensates=done_request.idempotency_key))

    assert undone.reference == done.reference and not undone.data.get("noop")
    assert active_resources(order_id) == []
    [resource] = simulators.resources_of(held.system, order_id)
    assert resource.state == undone_state


@pytest.mark.parametrize(("do", "undo", "undone_state"), UNDO_PAIRS)
def test_compensation_by_order_item_releases_the_resource(
    do: str, undo: str, undone_state: ResourceState
) -> None:
    order_id = new_order_id()
    done = run(do, make_request(order_id, "do", item_id="7"))
    undone = run(undo, make_request(order_id, "undo", item_id="7"))
    assert undone.reference == done.reference
    assert active_resources(order_id) == []


@pytest.mark.parametrize("undo", sorted({undo for _, undo, _ in UNDO_PAIRS}))
def test_undoing_what_was_never_done_is_a_noop_success(undo: str) -> None:
    order_id = new_order_id()
    result = run(undo, make_request(order_id, "undo", compensates=f"{order_id}/never/1"))
    assert result.data["noop"] is True and result.reference == ""
    assert simulators.resources_of(undo.split(".")[0], order_id) == []
    assert [e.operation for e in effects_for(order_id)] == [undo.split(".")[1]]


def test_compensation_by_key_releases_exactly_the_compensated_resource() -> None:
    order_id = new_order_id()
    first_request = make_request(order_id, "port-a")
    first = run("inventory.reserve_port", first_request)
    second = run("inventory.reserve_port", make_request(order_id, "port-b"))

    run(
        "inventory.release_port",
        make_request(order_id, "undo-a", compensates=first_request.idempotency_key),
    )

    assert [r.id for r in active_resources(order_id)] == [second.reference]
    assert first.reference != second.reference


def test_undoing_twice_with_different_keys_is_harmless() -> None:
    order_id = new_order_id()
    request = make_request(order_id, "do")
    run("shipping.ship", request)
    once = run(
        "shipping.cancel_shipment",
        make_request(order_id, "undo", compensates=request.idempotency_key),
    )
    twice = run(
        "shipping.cancel_shipment",
        make_request(order_id, "undo", compensates=request.idempotency_key),
    )
    assert not once.data.get("noop") and twice.data["noop"] is True
    assert twice.reference == once.reference
    [shipment] = simulators.resources_of("shipping", order_id)
    assert shipment.state == ResourceState.CANCELLED


def test_suspend_resume_and_deactivate_a_service() -> None:
    order_id = new_order_id()
    activated = run("activation.activate_service", make_request(order_id, "activate"))
    suspend_request = make_request(order_id, "suspend")

    suspended = run("activation.suspend_service", suspend_request)
    assert suspended.reference == activated.reference
    assert [r.state for r in active_resources(order_id)] == ["suspended"]  # still held

    # Compensating the suspension resumes that very service.
    resumed = run(
        "activation.resume_service",
        make_request(order_id, "undo-suspend", compensates=suspend_request.idempotency_key),
    )
    assert resumed.reference == activated.reference
    assert [r.state for r in active_resources(order_id)] == ["active"]

    run("activation.deactivate_service", make_request(order_id, "deactivate"))
    assert active_resources(order_id) == []


def test_suspending_a_service_of_another_order_by_reference() -> None:
    first_order = new_order_id()
    service = run("activation.activate_service", make_request(first_order, "activate"))
    second_order = new_order_id()

    run(
        "activation.suspend_service",
        make_request(second_order, "suspend", reference=service.reference),
    )

    [resource] = active_resources(first_order)
    assert (resource.id, resource.state) == (service.reference, "suspended")
    assert active_resources(second_order) == []


def test_suspending_an_unknown_service_adopts_it() -> None:
    order_id = new_order_id()
    result = run(
        "activation.suspend_service", make_request(order_id, "suspend", reference="legacy-9")
    )
    assert result.data["adopted"] is True
    [resource] = active_resources(order_id)
    assert (resource.state, resource.data["externalId"]) == ("suspended", "legacy-9")


def test_billing_adjustment_is_booked_on_the_account() -> None:
    order_id = new_order_id()
    account = run("billing.start_billing", make_request(order_id, "start"))
    adjusted = run(
        "billing.adjust_billing", make_request(order_id, "adjust", amount=-5, reason="outage")
    )

    assert adjusted.data["billingAccountId"] == account.reference
    [resource] = active_resources(order_id)
    assert resource.data["adjustments"] == [
        {"adjustmentId": adjusted.reference, "amount": -5, "reason": "outage"}
    ]


def test_an_appointment_keeps_a_requested_future_start() -> None:
    order_id = new_order_id()
    booked = run(
        "field_service.book_appointment",
        make_request(order_id, "book", requestedStartDate="2999-01-02T10:00:00Z"),
    )
    assert (booked.data["start"], booked.data["end"]) == (
        "2999-01-02T10:00:00Z",
        "2999-01-02T12:00:00Z",
    )


def test_the_donor_gets_the_sealed_pin_and_its_record_keeps_none() -> None:
    from decomposition.secrets import SealedValue
    from store.secrets import keep_sealed

    order_id = new_order_id()
    ref = "sealed:" + order_id.encode().hex().ljust(32, "0")[:32]
    keep_sealed(order_id, [SealedValue(ref=ref, name="portingPin", value="97531")])

    result = run("portability.port_in", make_request(order_id, "port-in", portingPin=ref))

    [effect] = effects_for(order_id)
    assert (effect.operation, effect.result["reference"]) == ("port_in", result.reference)
    assert effect.request["params"]["portingPin"] == "***"
    # A reference the store does not know (its order closed), or no PIN at all: refused for good.
    for params in (
        {"portingPin": "sealed:" + "0" * 32},
        {"portingPin": ref.replace("sealed:", "")},
    ):
        with pytest.raises(ApplicationError) as refused:
            run("portability.port_in", make_request(order_id, "port-in", **params))
        assert refused.value.non_retryable
    assert len(effects_for(order_id)) == 1
