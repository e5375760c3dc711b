"""The one way `oms` commands call the REST API: base URL and bearer token from settings,
and a TMF error printed as one line with a non-zero exit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import typer

from cli.tokens import bearer_token
from config.settings import get_settings

# Who calls: set by each command group's --token/--role options (cli/orders.py, cli/tasks.py).
caller: dict[str, str | None] = {"token": None, "role": None}


def caller_options(default_role: str) -> Callable[..., None]:
    """The --token/--role options of a command group (its callback), minting for `default_role`
    on the local stack when neither a token nor TESSERA_TOKEN is given."""

    def identity(
        token: str | None = typer.Option(
            None, "--token", help="A bearer token (or TESSERA_TOKEN)."
        ),
        role: str = typer.Option(
            default_role, "--role", help="Local stack: mint a token for this role."
        ),
    ) -> None:
        """Each call sends a bearer token: --token, TESSERA_TOKEN, or one minted locally for
        --role (in the name of who acts, when a command names them)."""
        caller.update(token=token, role=role)

    return identity


def call(method: str, path: str, subject: str | None = None, **kwargs: Any) -> Any:
    """Calls the API with a bearer token: --token, TESSERA_TOKEN, or one minted by the local
    stack's issuer for --role (in the name of `subject` when the command names who acts)."""
    settings = get_settings()
    headers = dict(kwargs.pop("headers", {}))
    token = caller["token"] or settings.api_token
    if not token:
        token = bearer_token(None, caller["role"], subject=subject)
    headers["Authorization"] = f"Bearer {token}"
    url = f"{settings.api_url.rstrip('/')}{path}"
    try:
        response = httpx.request(method, url, headers=headers, timeout=60, **kwargs)
    except httpx.HTTPError as err:
        typer.echo(f"cannot reach the API at {settings.api_url}: {err}", err=True)
        raise typer.Exit(2) from None
    try:
        body = response.json()
    except ValueError:
        body = {"reason": response.text[:200]}
    if response.status_code >= 400:
        typer.echo(f"{response.status_code} {body.get('code')}: {body.get('reason')}", err=True)
        raise typer.Exit(1)
    return body


def show(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2))
