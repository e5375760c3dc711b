"""Southbound simulators at run time: fault injection per system, and what each one holds.

GET    /ops/v1/simulators                       every system and its config (and field_workforce)
GET    /ops/v1/simulators/{system}              one system's config
PUT    /ops/v1/simulators/{system}              replace the config (omitted fields: defaults)
PATCH  /ops/v1/simulators/{system}              change only the fields given
DELETE /ops/v1/simulators/{system}              back to SIMULATOR_DEFAULTS
GET    /ops/v1/simulators/{system}/resources    its resources, `?orderId=` to filter
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from activities.southbound.contract import SOUTHBOUND_OPERATIONS, SYSTEMS
from activities.southbound.faults import (
    FailureMode,
    FaultConfig,
    all_configs,
    config_of,
    reset_config,
    set_config,
)
from api.errors import TmfError
from api.identity import requires
from api.permissions import Permission
from api.routers.workforce import workforce_view
from store.simulator_tables import SimulatorResource
from store.simulators import resources_of

router = APIRouter(prefix="/ops/v1/simulators", tags=["simulators"])


class SimulatorView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    system: str
    operations: list[str]
    latency_ms: int = Field(alias="latencyMs")
    failure_rate: float = Field(alias="failureRate")
    failure_mode: FailureMode = Field(alias="failureMode")
    offline: bool


class FaultConfigPatch(BaseModel):
    """A PATCH body: only the fields given change."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    latency_ms: int | None = Field(default=None, alias="latencyMs", ge=0, le=600_000, strict=True)
    failure_rate: float | None = Field(
        default=None, alias="failureRate", ge=0.0, le=1.0, strict=True
    )
    failure_mode: FailureMode | None = Field(default=None, alias="failureMode")
    offline: bool | None = Field(default=None, strict=True)


class ResourceView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    system: str
    kind: str
    state: str
    order_id: str = Field(alias="orderId")
    item_id: str = Field(alias="itemId")
    task_id: str = Field(alias="taskId")
    data: dict[str, Any]
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")

    @classmethod
    def of(cls, resource: SimulatorResource) -> ResourceView:
        return cls.model_validate(resource.model_dump())


def _known(system: str) -> str:
    if system not in SYSTEMS:
        raise TmfError(
            404, "NotFound", f"No simulator '{system}'", f"Known systems: {', '.join(SYSTEMS)}"
        )
    return system


def _view(system: str, config: FaultConfig) -> SimulatorView:
    return SimulatorView(
        system=system,
        operations=list(SOUTHBOUND_OPERATIONS[system]),
        latency_ms=config.latency_ms,
        failure_rate=config.failure_rate,
        failure_mode=config.failure_mode,
        offline=config.offline,
    )


@router.get(
    "",
    summary="Every simulator: the southbound systems and the field workforce",
    dependencies=[requires(Permission.SIMULATOR_READ)],
)
def list_simulators() -> list[dict[str, object]]:
    southbound = [_view(system, config) for system, config in all_configs().items()]
    return [*(v.model_dump(by_alias=True) for v in southbound), workforce_view()]


@router.get(
    "/{system}",
    response_model=SimulatorView,
    response_model_by_alias=True,
    dependencies=[requires(Permission.SIMULATOR_READ)],
)
def get_simulator(system: str) -> SimulatorView:
    return _view(system, config_of(_known(system)))


@router.put(
    "/{system}",
    response_model=SimulatorView,
    response_model_by_alias=True,
    dependencies=[requires(Permission.SIMULATOR_MANAGE)],
)
def replace_simulator(system: str, body: FaultConfig) -> SimulatorView:
    return _view(system, set_config(_known(system), body))


@router.patch(
    "/{system}",
    response_model=SimulatorView,
    response_model_by_alias=True,
    dependencies=[requires(Permission.SIMULATOR_MANAGE)],
)
def patch_simulator(system: str, body: FaultConfigPatch) -> SimulatorView:
    current = config_of(_known(system))
    changed = current.model_copy(update=body.model_dump(exclude_none=True))
    return _view(system, set_config(system, changed))


@router.delete(
    "/{system}",
    response_model=SimulatorView,
    response_model_by_alias=True,
    dependencies=[requires(Permission.SIMULATOR_MANAGE)],
)
def reset_simulator(system: str) -> SimulatorView:
    return _view(system, reset_config(_known(system)))


@router.get(
    "/{system}/resources",
    response_model=list[ResourceView],
    response_model_by_alias=True,
    dependencies=[requires(Permission.SIMULATOR_READ)],
)
def list_resources(
    system: str, order_id: str | None = Query(default=None, alias="orderId")
) -> list[ResourceView]:
    return [ResourceView.of(r) for r in resources_of(_known(system), order_id)]
