"""Fault injection: offline, transient and permanent failures happen before any effect; latency."""

from __future__ import annotations

import time

import pytest
from temporalio.exceptions import ApplicationError

from activities.southbound.contract import (
    SOUTHBOUND_PERMANENT_ERROR,
    SOUTHBOUND_TRANSIENT_ERROR,
    SYSTEM_OFFLINE,
)
from activities.southbound.faults import (
    CACHE_TTL_S,
    DEFAULTS_ENV_VAR,
    FailureMode,
    FaultConfig,
    config_of,
    defaults_from_env,
    parse_defaults,
    reset_config,
    set_config,
)
from store.simulator_tables import SimulatorConfigRecord
from store.simulators import active_resources, effects_for, save_config, utc_now
from tests.simulators.support import make_request, new_order_id, run


def _failing_call(system_operation: str) -> tuple[ApplicationError, str]:
    order_id = new_order_id()
    with pytest.raises(ApplicationError) as raised:
        run(system_operation, make_request(order_id, "t1"))
    return raised.value, order_id


def _assert_no_effect(order_id: str) -> None:
    assert effects_for(order_id) == []
    assert active_resources(order_id) == []


def test_offline_raises_a_retryable_system_offline_and_applies_nothing() -> None:
    set_config("inventory", FaultConfig(offline=True))
    error, order_id = _failing_call("inventory.reserve_port")
    assert error.type == SYSTEM_OFFLINE and not error.non_retryable
    _assert_no_effect(order_id)
    # Only that system is offline.
    assert not run("shipping.ship", make_request(order_id, "ship")).replayed


def test_a_system_back_online_applies_the_held_call() -> None:
    order_id = new_order_id()
    request = make_request(order_id, "t1")
    set_config("sim", FaultConfig(offline=True))
    with pytest.raises(ApplicationError):
        run("sim.provision_sim", request)
    set_config("sim", FaultConfig(offline=False))
    assert not run("sim.provision_sim", request).replayed
    assert len(effects_for(order_id)) == 1


def test_permanent_failure_is_non_retryable_and_applies_nothing() -> None:
    set_config("billing", FaultConfig(failure_rate=1.0, failure_mode=FailureMode.PERMANENT))
    error, order_id = _failing_call("billing.start_billing")
    assert error.type == SOUTHBOUND_PERMANENT_ERROR and error.non_retryable
    _assert_no_effect(order_id)


def test_transient_failure_is_retryable_and_applies_nothing() -> None:
    set_config("shipping", FaultConfig(failure_rate=1.0, failure_mode=FailureMode.TRANSIENT))
    error, order_id = _failing_call("shipping.ship")
    assert error.type == SOUTHBOUND_TRANSIENT_ERROR and not error.non_retryable
    _assert_no_effect(order_id)


def test_undo_operations_fail_too_without_undoing() -> None:
    order_id = new_order_id()
    request = make_request(order_id, "book")
    run("field_service.book_appointment", request)
    set_config("field_service", FaultConfig(failure_rate=1.0))
    with pytest.raises(ApplicationError):
        run(
            "field_service.cancel_appointment",
            make_request(order_id, "cancel", compensates=request.idempotency_key),
        )
    assert [r.state for r in active_resources(order_id)] == ["booked"]


def test_failure_rate_zero_never_fails() -> None:
    set_config("portability", FaultConfig(failure_rate=0.0, failure_mode=FailureMode.PERMANENT))
    order_id = new_order_id()
    for n in range(5):
        run("portability.port_in", make_request(order_id, f"t{n}", msisdn="+31600000000"))
    assert len(effects_for(order_id)) == 5


def test_a_fractional_failure_rate_fails_some_calls() -> None:
    set_config("inventory", FaultConfig(failure_rate=0.5))
    order_id = new_order_id()
    failures = 0
    for n in range(60):
        try:
            run("inventory.assign_ip", make_request(order_id, f"t{n}"))
        except ApplicationError:
            failures += 1
    # P(outside 10..50) is below 1e-7 for a fair coin.
    assert 10 <= failures <= 50
    assert len(effects_for(order_id)) == 60 - failures


def test_latency_is_honored() -> None:
    order_id = new_order_id()
    started = time.monotonic()
    run("billing.start_billing", make_request(order_id, "fast"))
    fast = time.monotonic() - started

    set_config("billing", FaultConfig(latency_ms=300))
    started = time.monotonic()
    run("billing.start_billing", make_request(order_id, "slow"))
    slow = time.monotonic() - started

    assert slow >= 0.3
    assert fast < 0.3


def test_a_change_by_another_process_takes_effect_within_a_second() -> None:
    assert CACHE_TTL_S <= 1.0
    assert config_of("shipping").offline is False  # now cached
    # Written straight to the store, as the API process does: this process's cache is not told.
    save_config(
        SimulatorConfigRecord(
            system="shipping",
            latency_ms=0,
            failure_rate=0.0,
            failure_mode="transient",
            offline=True,
            updated_at=utc_now(),
        )
    )
    deadline = time.monotonic() + 1.0
    while not config_of("shipping").offline:
        assert time.monotonic() < deadline, "the change was not seen within a second"
        time.sleep(0.05)


def test_defaults_come_from_the_env_and_a_stored_config_overrides_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DEFAULTS_ENV_VAR, '{"shipping": {"latencyMs": 50, "offline": true}}')
    defaults_from_env.cache_clear()
    assert config_of("shipping") == FaultConfig(latency_ms=50, offline=True)
    assert config_of("billing") == FaultConfig()

    set_config("shipping", FaultConfig(failure_rate=0.25))
    assert config_of("shipping") == FaultConfig(failure_rate=0.25)
    assert reset_config("shipping") == FaultConfig(latency_ms=50, offline=True)


def test_parse_defaults_applies_the_wildcard_then_each_system() -> None:
    defaults = parse_defaults(
        '{"*": {"latencyMs": 20, "failureRate": 0.1}, "shipping": {"latencyMs": 50}}'
    )
    assert defaults["shipping"] == FaultConfig(latency_ms=50, failure_rate=0.1)
    assert defaults["billing"] == FaultConfig(latency_ms=20, failure_rate=0.1)
    assert parse_defaults("") == parse_defaults("{}")
    assert parse_defaults("")["sim"] == FaultConfig()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"telex": {}}', "unknown systems"),
        ('{"sim": {"failureRate": 2}}', "invalid config"),
        ('{"sim": {"failureMode": "sometimes"}}', "invalid config"),
        ('{"sim": {"latency": 5}}', "invalid config"),
        ('{"sim": 5}', "invalid config"),
    ],
)
def test_parse_defaults_rejects_what_it_cannot_use(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_defaults(text)
