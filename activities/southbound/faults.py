"""Fault injection for the simulators: latency, failures and an offline switch, per system.

The config lives in the store, so the API (which changes it) and the worker (which obeys it) agree.
A system without a stored config uses the process's defaults from the env var SIMULATOR_DEFAULTS,
a JSON object of partial configs by system, `"*"` applying to every system first, e.g.

    SIMULATOR_DEFAULTS='{"*": {"latencyMs": 20}, "shipping": {"latencyMs": 50, "failureRate": 0.1}}'

Give the API and the worker the same value. Each process caches the config for CACHE_TTL_S, so a
change made through the API takes effect within a second without a query on every call.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.exceptions import ApplicationError

from activities.southbound.contract import (
    SOUTHBOUND_PERMANENT_ERROR,
    SOUTHBOUND_TRANSIENT_ERROR,
    SYSTEM_OFFLINE,
    SYSTEMS,
)
from store.simulator_tables import SimulatorConfigRecord
from store.simulators import delete_config, load_configs, save_config, utc_now

DEFAULTS_ENV_VAR = "SIMULATOR_DEFAULTS"
CACHE_TTL_S = 0.5


class FailureMode(StrEnum):
    TRANSIENT = "transient"  # retryable ApplicationError SouthboundTransientError
    PERMANENT = "permanent"  # non-retryable ApplicationError SouthboundPermanentError


class FaultConfig(BaseModel):
    """The fault config of one system, in the JSON shape of the API and SIMULATOR_DEFAULTS."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    # Strict: "5" or true is a client error (422), not silently coerced.
    latency_ms: int = Field(default=0, alias="latencyMs", ge=0, le=600_000, strict=True)
    failure_rate: float = Field(default=0.0, alias="failureRate", ge=0.0, le=1.0, strict=True)
    failure_mode: FailureMode = Field(default=FailureMode.TRANSIENT, alias="failureMode")
    offline: bool = Field(default=False, strict=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class UnknownSystemError(KeyError):
    pass


def check_system(system: str) -> None:
    if system not in SYSTEMS:
        raise UnknownSystemError(system)


def parse_defaults(text: str) -> dict[str, FaultConfig]:
    """The defaults by system from SIMULATOR_DEFAULTS; ValueError names what is wrong."""
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as err:
        raise ValueError(f"{DEFAULTS_ENV_VAR} is not valid JSON: {err}") from err
    if not isinstance(raw, dict):
        raise ValueError(f"{DEFAULTS_ENV_VAR} must be a JSON object of configs by system")
    unknown = sorted(set(raw) - set(SYSTEMS) - {"*"})
    if unknown:
        raise ValueError(f"{DEFAULTS_ENV_VAR} names unknown systems {unknown}; known: {SYSTEMS}")
    try:
        common = FaultConfig.model_validate(raw.get("*", {}))
        return {
            system: FaultConfig.model_validate({**common.to_json(), **raw.get(system, {})})
            for system in SYSTEMS
        }
    except (ValidationError, TypeError) as err:
        raise ValueError(f"{DEFAULTS_ENV_VAR} has an invalid config: {err}") from err


@lru_cache(maxsize=1)
def defaults_from_env() -> dict[str, FaultConfig]:
    return parse_defaults(os.environ.get(DEFAULTS_ENV_VAR, ""))


def _from_record(record: SimulatorConfigRecord) -> FaultConfig:
    return FaultConfig(
        latency_ms=record.latency_ms,
        failure_rate=record.failure_rate,
        failure_mode=FailureMode(record.failure_mode),
        offline=record.offline,
    )


class _ConfigCache:
    """Stored configs, reloaded at most every CACHE_TTL_S; shared by the worker's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expires_at = 0.0
        self._stored: dict[str, FaultConfig] = {}

    def stored(self) -> dict[str, FaultConfig]:
        with self._lock:
            if time.monotonic() >= self._expires_at:
                self._stored = {r.system: _from_record(r) for r in load_configs()}
                self._expires_at = time.monotonic() + CACHE_TTL_S
            return self._stored

    def invalidate(self) -> None:
        with self._lock:
            self._expires_at = 0.0


_cache = _ConfigCache()


def config_of(system: str) -> FaultConfig:
    check_system(system)
    stored = _cache.stored().get(system)
    return stored if stored is not None else defaults_from_env()[system]


def all_configs() -> dict[str, FaultConfig]:
    return {system: config_of(system) for system in SYSTEMS}


def set_config(system: str, config: FaultConfig) -> FaultConfig:
    check_system(system)
    save_config(
        SimulatorConfigRecord(
            system=system,
            latency_ms=config.latency_ms,
            failure_rate=config.failure_rate,
            failure_mode=config.failure_mode.value,
            offline=config.offline,
            updated_at=utc_now(),
        )
    )
    _cache.invalidate()
    return config


def reset_config(system: str) -> FaultConfig:
    """Back to the defaults of SIMULATOR_DEFAULTS."""
    check_system(system)
    delete_config(system)
    _cache.invalidate()
    return config_of(system)


def invalidate_cache() -> None:
    _cache.invalidate()


def inject_faults(system: str, operation: str) -> None:
    """Raise the configured failure, or wait the configured latency; before any effect."""
    config = config_of(system)
    name = f"{system}.{operation}"
    if config.offline:
        raise ApplicationError(f"{system} is offline", {"system": system}, type=SYSTEM_OFFLINE)
    if config.latency_ms:
        time.sleep(config.latency_ms / 1000)
    # Not workflow code: randomness is fine here, and the roll happens before the effect.
    if config.failure_rate and random.random() < config.failure_rate:
        if config.failure_mode is FailureMode.PERMANENT:
            raise ApplicationError(
                f"{name} failed (injected permanent failure)",
                {"system": system},
                type=SOUTHBOUND_PERMANENT_ERROR,
                non_retryable=True,
            )
        raise ApplicationError(
            f"{name} failed (injected transient failure)",
            {"system": system},
            type=SOUTHBOUND_TRANSIENT_ERROR,
        )
