"""`oms deploy`: Worker Deployment versions of Tessera's worker (README, "Deploying").

A new build starts beside the old one; `promote` makes it current (new orders start on it, orders
in flight stay PINNED to the build they started on); `ramp` sends a share of new orders to it
first; `status` shows which build is current and how far the old ones have drained. The same as
`temporal worker deployment describe|set-current-version|set-ramping-version`.
"""

from __future__ import annotations

import asyncio

import typer

from config.settings import get_settings

app = typer.Typer(help="Worker Deployment versions: status, promote, ramp", no_args_is_help=True)


def _deployment(name: str | None) -> str:
    return name or get_settings().worker_deployment_name


@app.command()
def status(
    deployment: str | None = typer.Option(None, help="Default: WORKER_DEPLOYMENT_NAME."),
) -> None:
    """Current and ramping build, and every version with its drainage."""

    async def run() -> None:
        # Imported when used: every `oms` command loads this module (Temporal's SDK is slow).
        from temporal_client import connect_temporal
        from temporal_client.deployments import deployment_status

        client = await connect_temporal()
        found = await deployment_status(client, _deployment(deployment))
        if found is None:
            typer.echo(f"deployment {_deployment(deployment)}: no worker has polled yet")
            raise typer.Exit(1)
        typer.echo(f"deployment {found.name}: current {found.current_build_id or '-'}")
        if found.ramping_build_id:
            typer.echo(f"ramping {found.ramping_build_id} at {found.ramping_percentage:g}%")
        for version in found.versions:
            typer.echo(f"  {version.build_id:<20} {version.status:<10} drainage {version.drainage}")

    asyncio.run(run())


@app.command()
def promote(
    build_id: str = typer.Argument(..., help="The build that takes new orders from now on."),
    deployment: str | None = typer.Option(None, help="Default: WORKER_DEPLOYMENT_NAME."),
) -> None:
    """Make a build current: new orders start on it; running orders stay on theirs."""

    async def run() -> None:
        # Imported when used: every `oms` command loads this module (Temporal's SDK is slow).
        from temporal_client import connect_temporal
        from temporal_client.deployments import set_current

        client = await connect_temporal()
        await set_current(client, _deployment(deployment), build_id)
        typer.echo(f"{_deployment(deployment)}.{build_id} is current")

    asyncio.run(run())


@app.command()
def ramp(
    build_id: str = typer.Argument(..., help="The new build."),
    percent: float = typer.Argument(..., min=0, max=100, help="Share of new orders; 0 stops."),
    deployment: str | None = typer.Option(None, help="Default: WORKER_DEPLOYMENT_NAME."),
) -> None:
    """Send a share of new orders to a build before promoting it."""

    async def run() -> None:
        # Imported when used: every `oms` command loads this module (Temporal's SDK is slow).
        from temporal_client import connect_temporal
        from temporal_client.deployments import set_ramping

        client = await connect_temporal()
        await set_ramping(client, _deployment(deployment), build_id, percent)
        typer.echo(f"{_deployment(deployment)}.{build_id} takes {percent:g}% of new orders")

    asyncio.run(run())
