"""The embedded issuer's public face (mounted only when it is on, api/local_issuer.py).

GET  /.well-known/jwks.json               its public key
GET  /.well-known/openid-configuration    discovery: issuer, jwks_uri, token endpoint
POST /auth/local/token                    a token for a role (the workspace's local sign-in)

Anyone who reaches a local stack may take any role: that is the point of a local stack, and
why this issuer is never on unless LOCAL_ISSUER_KEY_FILE says so.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.errors import TmfError
from api.local_issuer import ALGORITHM, LocalIssuer, default_subject
from api.permissions import ROLES
from config.settings import get_settings


class LocalTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(min_length=1, max_length=100)
    party: str | None = Field(default=None, min_length=1, max_length=200)
    subject: str | None = Field(default=None, min_length=1, max_length=200)


class LocalToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


def build_router(issuer: LocalIssuer) -> APIRouter:
    local = APIRouter(tags=["identity"])

    @local.get("/.well-known/jwks.json", summary="The token issuer's public keys (JWKS)")
    def jwks() -> dict[str, Any]:
        return issuer.jwks()

    @local.get("/.well-known/openid-configuration", summary="The embedded issuer's discovery")
    def discovery() -> dict[str, Any]:
        base = get_settings().public_base_url
        return {
            "issuer": issuer.issuer,
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "token_endpoint": f"{base}/auth/local/token",
            "id_token_signing_alg_values_supported": [ALGORITHM],
        }

    @local.post("/auth/local/token", summary="Local stack only: a token for any role")
    def local_token(body: LocalTokenRequest) -> LocalToken:
        if body.role not in ROLES:
            raise TmfError(
                422, "UnknownRole", f"No role '{body.role}'", f"Roles: {', '.join(ROLES)}"
            )
        if body.role == "customer" and body.party is None:
            raise TmfError(422, "PartyRequired", "A customer's token names its party")
        ttl = issuer.default_ttl_seconds
        token = issuer.mint(
            [body.role],
            body.subject or default_subject(body.role, body.party),
            body.party,
            ttl,
        )
        return LocalToken(access_token=token, expires_in=ttl)

    return local
