"""The field-workforce simulator's switch: /ops/v1/simulators/field-workforce.

Off by default. When on, every manual task opened from then on is completed by the simulator
with valid result data after `latencyMs`, for demos and benchmarks.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.identity import requires
from api.permissions import Permission
from store import tasks

router = APIRouter(prefix="/ops/v1/simulators/field-workforce", tags=["simulators"])


class WorkforceConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    auto_complete: bool = Field(alias="autoComplete", strict=True)
    latency_ms: int = Field(default=0, alias="latencyMs", ge=0, le=3_600_000, strict=True)


def _view() -> dict[str, object]:
    config = tasks.workforce_config()
    return WorkforceConfig(
        auto_complete=config.auto_complete, latency_ms=config.latency_ms
    ).model_dump(by_alias=True)


@router.get(
    "",
    summary="The field-workforce simulator's settings",
    dependencies=[requires(Permission.SIMULATOR_READ)],
)
def get_workforce() -> dict[str, object]:
    return _view()


@router.put(
    "",
    summary="Switch the field-workforce simulator on or off",
    dependencies=[requires(Permission.SIMULATOR_MANAGE)],
)
def put_workforce(body: WorkforceConfig) -> dict[str, object]:
    tasks.set_workforce_config(body.auto_complete, body.latency_ms)
    return _view()
