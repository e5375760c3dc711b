"""The one way `oms` commands call the REST API: base URL and bearer token from settings,
and a TMF error printed as one line with a non-zero exit."""

from __future__ import annotations

import json
from typing import Any

import httpx
import typer

from config.settings import get_settings


def call(method: str, path: str, **kwargs: Any) -> Any:
    settings = get_settings()
    headers = dict(kwargs.pop("headers", {}))
    if settings.api_token:
        headers["Authorization"] = f"Bearer {settings.api_token}"
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
