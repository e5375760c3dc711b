"""Worker Deployment versions: which build takes new orders (current), which is ramping, and
how far the old ones have drained. Used by `oms deploy` and by `oms dev` and the tests, which
make their one build current."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from temporalio.api.enums.v1 import VersionDrainageStatus, WorkerDeploymentVersionStatus
from temporalio.api.workflowservice.v1 import (
    DescribeWorkerDeploymentRequest,
    SetWorkerDeploymentCurrentVersionRequest,
    SetWorkerDeploymentRampingVersionRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

IDENTITY = "tessera-oms-deploy"


@dataclass(frozen=True)
class VersionStatus:
    build_id: str
    status: str  # current | ramping | draining | drained | inactive
    drainage: str


@dataclass(frozen=True)
class DeploymentStatus:
    name: str
    current_build_id: str | None
    ramping_build_id: str | None
    ramping_percentage: float
    versions: list[VersionStatus]


def _word(enum_name: str, prefix: str) -> str:
    return enum_name.removeprefix(prefix).lower() or "unspecified"


async def deployment_status(client: Client, deployment_name: str) -> DeploymentStatus | None:
    """None while no worker of the deployment has polled yet."""
    try:
        answer = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(
                namespace=client.namespace, deployment_name=deployment_name
            )
        )
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    info = answer.worker_deployment_info
    routing = info.routing_config
    versions = [
        VersionStatus(
            build_id=summary.deployment_version.build_id,
            status=_word(
                WorkerDeploymentVersionStatus.Name(summary.status),
                "WORKER_DEPLOYMENT_VERSION_STATUS_",
            ),
            drainage=_word(
                VersionDrainageStatus.Name(summary.drainage_status), "VERSION_DRAINAGE_STATUS_"
            ),
        )
        for summary in info.version_summaries
    ]
    return DeploymentStatus(
        name=info.name,
        current_build_id=routing.current_deployment_version.build_id or None,
        ramping_build_id=routing.ramping_deployment_version.build_id or None,
        ramping_percentage=routing.ramping_version_percentage,
        versions=versions,
    )


async def set_current(client: Client, deployment_name: str, build_id: str) -> None:
    """New orders go to this build from now on; orders started on another build stay there."""
    await client.workflow_service.set_worker_deployment_current_version(
        SetWorkerDeploymentCurrentVersionRequest(
            namespace=client.namespace,
            deployment_name=deployment_name,
            build_id=build_id,
            identity=IDENTITY,
        )
    )


async def set_ramping(client: Client, deployment_name: str, build_id: str, percent: float) -> None:
    """This share of new orders go to the build (0 stops the ramp); the rest to the current."""
    await client.workflow_service.set_worker_deployment_ramping_version(
        SetWorkerDeploymentRampingVersionRequest(
            namespace=client.namespace,
            deployment_name=deployment_name,
            build_id=build_id if percent > 0 else "",
            percentage=percent if percent > 0 else 0,
            identity=IDENTITY,
        )
    )


async def make_current_at_once(client: Client, deployment_name: str, build_id: str) -> None:
    """Make a build current before (or while) its worker first polls: for one-build setups
    (`oms dev`, tests), which would otherwise wait ~20 s for the server to register the version.
    Production promotes a running, watched build with `oms deploy promote`."""
    await client.workflow_service.set_worker_deployment_current_version(
        SetWorkerDeploymentCurrentVersionRequest(
            namespace=client.namespace,
            deployment_name=deployment_name,
            build_id=build_id,
            identity=IDENTITY,
            allow_no_pollers=True,
        )
    )


async def set_current_once_polling(
    client: Client, deployment_name: str, build_id: str, attempts: int = 120
) -> None:
    """Make a build current as soon as the server knows it (its workers have polled; a few
    seconds after they start)."""
    for attempt in range(attempts):
        try:
            await set_current(client, deployment_name, build_id)
            return
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)
