"""Tokens for the command line: `oms token`, and the bearer token every `oms` call sends.

A token comes from `--token`, else TESSERA_TOKEN, else it is minted for `--role` by the local
stack's embedded issuer (its key file: LOCAL_ISSUER_KEY_FILE, by default the one `oms dev` uses,
.data/issuer-key.pem).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer

from api.local_issuer import LocalIssuer, default_subject, load_or_create_key
from api.permissions import ROLES
from config.settings import get_settings

DEFAULT_KEY_FILE = Path(".data") / "issuer-key.pem"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """'3600', '90s', '30m', '1h', '2d' -> seconds."""
    found = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not found or int(found.group(1)) <= 0:
        raise typer.BadParameter(f"'{text}' is not a duration like 3600, 30m, 1h or 2d")
    return int(found.group(1)) * _UNITS[found.group(2) or "s"]


def local_issuer() -> LocalIssuer:
    settings = get_settings()
    key_file = Path(settings.local_issuer_key_file or DEFAULT_KEY_FILE)
    return LocalIssuer(
        key=load_or_create_key(key_file),
        issuer=settings.oidc_issuer or settings.local_issuer_id,
        audience=settings.oidc_audience,
        roles_claim=settings.oidc_roles_claim,
        party_claim=settings.oidc_party_claim,
        default_ttl_seconds=settings.local_token_ttl_seconds,
    )


def mint(role: str, party: str | None = None, subject: str | None = None, ttl: int = 3600) -> str:
    if role not in ROLES:
        raise typer.BadParameter(f"no role '{role}'; roles: {', '.join(ROLES)}")
    if role == "customer" and party is None:
        raise typer.BadParameter("a customer's token names its party: --party ID")
    return local_issuer().mint([role], subject or default_subject(role, party), party, ttl)


def bearer_token(
    token: str | None, role: str | None, party: str | None = None, subject: str | None = None
) -> str:
    """--token, else TESSERA_TOKEN, else a local token for --role."""
    if token:
        return token
    if os.environ.get("TESSERA_TOKEN"):
        return os.environ["TESSERA_TOKEN"]
    if role:
        return mint(role, party, subject)
    raise typer.BadParameter("no token: give --token, set TESSERA_TOKEN, or --role (local stack)")


def token_command(
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    party: str | None = typer.Option(None, "--party", help="The customer's party id."),
    ttl: str = typer.Option("1h", "--ttl", help="How long it is valid: 3600, 30m, 1h, 2d."),
    subject: str | None = typer.Option(None, "--subject", help="Who (default: local:<role>)."),
) -> None:
    """Print a token of the local stack's issuer for ROLE (the token alone on the last line)."""
    seconds = parse_ttl(ttl)
    token = mint(role, party, subject, seconds)
    typer.echo(f"# {role} token, valid {seconds} s; use: -H 'Authorization: Bearer <token>'")
    typer.echo(token)
