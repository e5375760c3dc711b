"""The field-workforce simulator: /ops/v1/simulators/field_workforce, like every simulator.

Off by default. When on, every manual task opened from then on is completed by the simulator
with valid result data after `latencyMs`, for demos and benchmarks. GET, PUT, PATCH and DELETE
(back to off) as for the southbound simulators; it is listed with them. The hyphenated path it
first had (`field-workforce`) still answers, left out of the docs.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.identity import requires
from api.permissions import Permission
from store import tasks

SYSTEM = "field_workforce"
router = APIRouter(tags=["simulators"])
PATHS = [f"/ops/v1/simulators/{SYSTEM}", "/ops/v1/simulators/field-workforce"]


class WorkforceConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    auto_complete: bool = Field(alias="autoComplete", strict=True)
    latency_ms: int = Field(default=0, alias="latencyMs", ge=0, le=3_600_000, strict=True)


class WorkforcePatch(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    auto_complete: bool | None = Field(default=None, alias="autoComplete", strict=True)
    latency_ms: int | None = Field(default=None, alias="latencyMs", ge=0, le=3_600_000, strict=True)


def workforce_view() -> dict[str, object]:
    """As the southbound simulators show: the system, what it does, its settings."""
    config = tasks.workforce_config()
    return {
        "system": SYSTEM,
        "operations": ["complete_manual_task"],
        **WorkforceConfig(
            auto_complete=config.auto_complete, latency_ms=config.latency_ms
        ).model_dump(by_alias=True),
    }


def get_workforce() -> dict[str, object]:
    return workforce_view()


def put_workforce(body: WorkforceConfig) -> dict[str, object]:
    tasks.set_workforce_config(body.auto_complete, body.latency_ms)
    return workforce_view()


def patch_workforce(body: WorkforcePatch) -> dict[str, object]:
    config = tasks.workforce_config()
    tasks.set_workforce_config(
        config.auto_complete if body.auto_complete is None else body.auto_complete,
        config.latency_ms if body.latency_ms is None else body.latency_ms,
    )
    return workforce_view()


def reset_workforce() -> dict[str, object]:
    tasks.set_workforce_config(False, 0)
    return workforce_view()


# One row per method: its handler, its summary, the permission it needs. Both paths get every
# row; only the current one is in the API's description.
ROUTES: list[tuple[str, Callable[..., dict[str, object]], str, Permission]] = [
    ("GET", get_workforce, "The field-workforce simulator's settings", Permission.SIMULATOR_READ),
    (
        "PUT",
        put_workforce,
        "Switch the field-workforce simulator on or off",
        Permission.SIMULATOR_MANAGE,
    ),
    (
        "PATCH",
        patch_workforce,
        "Change only the field-workforce simulator's fields given",
        Permission.SIMULATOR_MANAGE,
    ),
    (
        "DELETE",
        reset_workforce,
        "Field-workforce simulator back to off",
        Permission.SIMULATOR_MANAGE,
    ),
]

for path in PATHS:
    for method, handler, summary, permission in ROUTES:
        router.add_api_route(
            path,
            handler,
            methods=[method],
            summary=summary,
            include_in_schema=path.endswith(SYSTEM),
            dependencies=[requires(permission)],
        )
