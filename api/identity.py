"""Who is calling: bearer tokens (OAuth2 / OpenID Connect JWTs) checked on every request.

`Authenticate` (ASGI middleware) refuses a request to anything but the public paths without a
valid token (401), before any route or body parsing runs; a route then names the permission it
needs with `requires(Permission.X)` and gets the `Caller`, or answers 403.

A token is valid when its signature verifies with the issuer's key named by its `kid` (the
embedded issuer's, or the JWKS at OIDC_JWKS_URL or in the issuer's discovery document), its
`alg` is one of the configured asymmetric algorithms (never `none`, never HMAC: a public key
is no secret), and `exp`, `nbf`, `iss` and `aud` hold (with OIDC_LEEWAY_SECONDS for clocks).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import httpx
import jwt
import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import TmfError, error_response
from api.local_issuer import get_local_issuer
from api.permissions import Permission, is_public, permissions_of, role_granting
from config.settings import get_settings
from observability.logs import get_logger

log = get_logger(__name__)
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
REALM = 'Bearer realm="tessera"'


class Unauthenticated(Exception):
    """No token, or one that does not prove who the caller is: 401."""


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: frozenset[str]
    party_id: str | None = None
    # The role under which the route's permission was granted (set by `requires`).
    acting_role: str | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def own_party_only(self) -> bool:
        """A customer: sees and acts on its own party's resources only."""
        return not self.can(Permission.ANY_PARTY)

    def party_scope(self) -> str | None:
        """The party every read and write of this caller is confined to; None: any party."""
        if not self.own_party_only:
            return None
        if not self.party_id:
            raise forbidden("the token names no party (claim OIDC_PARTY_CLAIM)")
        return self.party_id


def forbidden(reason: str) -> TmfError:
    return TmfError(
        403,
        "Forbidden",
        reason,
        headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope"'},
    )


def same_actor(caller: Caller, named: str | None, field: str) -> None:
    """A body may still name who acts, but only as the token's subject: no acting in a name."""
    if named is not None and named != caller.subject:
        raise forbidden(f"'{field}' must be the token's subject '{caller.subject}' (or left out)")


def claim_at(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class IssuerKeys:
    """The issuer's public keys by `kid`: the embedded issuer's, or its JWKS over HTTP
    (PyJWKClient, cached; an unknown `kid` makes it fetch the set again, then fail)."""

    def __init__(self) -> None:
        self._keys: dict[str, Any] = {}
        self._client: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()
        local = get_local_issuer()
        if local is not None:
            self._keys[local.kid] = local.key.public_key()

    @property
    def remote(self) -> bool:
        return get_local_issuer() is None

    def cached(self, kid: str) -> Any | None:
        return self._keys.get(kid)

    def fetch(self, kid: str) -> Any:
        """Blocking: may read the issuer's discovery document and JWKS."""
        if not self.remote:
            raise Unauthenticated("unknown signing key")
        with self._lock:
            if self._client is None:
                self._client = jwt.PyJWKClient(_jwks_url(), cache_keys=True, lifespan=300)
            client = self._client
        try:
            key = client.get_signing_key(kid).key
        except jwt.PyJWKClientError as err:
            raise Unauthenticated(f"unknown signing key: {err}") from err
        self._keys[kid] = key
        return key


def _jwks_url() -> str:
    settings = get_settings()
    if settings.oidc_jwks_url:
        return settings.oidc_jwks_url
    discovery = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        url = httpx.get(discovery, timeout=5).raise_for_status().json()["jwks_uri"]
    except (httpx.HTTPError, ValueError, KeyError) as err:
        raise Unauthenticated(f"the issuer's keys are unavailable ({discovery})") from err
    return str(url)


@lru_cache(maxsize=1)
def issuer_keys() -> IssuerKeys:
    return IssuerKeys()


def expected_issuer() -> str:
    settings = get_settings()
    if settings.oidc_issuer:
        return settings.oidc_issuer
    if get_local_issuer() is not None:
        return settings.local_issuer_id
    raise Unauthenticated("no token issuer is configured (OIDC_ISSUER)")


def allowed_algorithms() -> list[str]:
    configured = {a.strip() for a in get_settings().oidc_algorithms.split(",") if a.strip()}
    return sorted(configured & ASYMMETRIC)


def token_from(header: str | None) -> str:
    if not header:
        raise Unauthenticated("missing bearer token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header is not 'Bearer <token>'")
    return token.strip()


# Tokens already verified, until their expiry (5 minutes at most): a client sends the same token
# with every call, and PyJWT's parsing and the signature check cost ~1-2 ms of CPU per request
# on this host. Keyed by the exact token string, so nothing unverified is ever taken from here.
VERIFIED_CACHE_SIZE = 4096
VERIFIED_CACHE_SECONDS = 300.0
_verified: OrderedDict[str, tuple[float, Caller]] = OrderedDict()


async def authenticate(header: str | None) -> Caller:
    token = token_from(header)
    now = time.time()
    hit = _verified.get(token)
    if hit is not None and hit[0] > now:
        _verified.move_to_end(token)
        return hit[1]
    caller, expires = await _verify(token)
    _verified[token] = (min(expires, now + VERIFIED_CACHE_SECONDS), caller)
    if len(_verified) > VERIFIED_CACHE_SIZE:
        _verified.popitem(last=False)
    return caller


async def _verify(token: str) -> tuple[Caller, float]:
    try:
        unverified = jwt.get_unverified_header(token)
    except jwt.PyJWTError as err:
        raise Unauthenticated(f"malformed token: {err}") from err
    algorithm = unverified.get("alg")
    if algorithm not in allowed_algorithms():
        raise Unauthenticated(f"token algorithm '{algorithm}' is not accepted")
    kid = unverified.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Unauthenticated("the token names no signing key (kid)")
    keys = issuer_keys()
    key = keys.cached(kid)
    if key is None:
        key = await run_in_threadpool(keys.fetch, kid)
    return _checked(token, key, algorithm)


def caller_from(token: str, key: Any, algorithm: str) -> Caller:
    return _checked(token, key, algorithm)[0]


def _checked(token: str, key: Any, algorithm: str) -> tuple[Caller, float]:
    """The caller the token names, and when the token expires."""
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.oidc_audience,
            issuer=expected_issuer(),
            leeway=settings.oidc_leeway_seconds,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, TypeError, ValueError) as err:
        # TypeError/ValueError: the key does not fit the token's algorithm (ES256 on an RSA key).
        raise Unauthenticated(f"invalid token: {err}") from err
    roles = claim_at(claims, settings.oidc_roles_claim)
    party = claim_at(claims, settings.oidc_party_claim)
    caller = Caller(
        subject=str(claims["sub"]),
        roles=frozenset(r for r in roles if isinstance(r, str))
        if isinstance(roles, list)
        else frozenset(),
        party_id=str(party) if isinstance(party, str | int) and party != "" else None,
    )
    return caller, float(claims["exp"])


def unauthenticated_response(reason: str) -> Any:
    challenge = REALM if reason == "missing bearer token" else f'{REALM}, error="invalid_token"'
    return error_response(
        401,
        "Unauthorized",
        "Authentication required",
        reason,
        headers={"WWW-Authenticate": challenge},
    )


def _cors_preflight(scope: Scope) -> bool:
    """The browser's preflight to the codec server carries no credentials by design; the codec
    app's CORS middleware answers it, and the POST that follows is checked as any other."""
    return scope["method"] == "OPTIONS" and str(scope["path"]).startswith("/ops/v1/codec/")


class Authenticate:
    """Plain ASGI, like the log context: every non-public request carries a valid token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]) or _cors_preflight(scope):
            await self.app(scope, receive, send)
            return
        try:
            caller = await authenticate(Headers(scope=scope).get("authorization"))
        except Unauthenticated as err:
            log.info("unauthenticated request", reason=str(err))
            await unauthenticated_response(str(err))(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        structlog.contextvars.bind_contextvars(subject=caller.subject)
        await self.app(scope, receive, send)


# Declares the scheme in the OpenAPI document, so that /docs can authorize; the check is above.
bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token from the configured OpenID Connect issuer "
    "(locally: `oms token --role ROLE`).",
)


class Require:
    """The dependency of a route that needs `permission`; tests read `.permission` from it."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(
        self,
        request: Request,
        _credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
    ) -> Caller:
        caller: Caller | None = getattr(request.state, "caller", None)
        if caller is None:  # only if the middleware is not installed: fail closed
            raise TmfError(401, "Unauthorized", "Authentication required")
        role = role_granting(caller.roles, self.permission)
        if role is None:
            raise forbidden(f"this action needs the permission '{self.permission.value}'")
        return replace(caller, acting_role=role)


def requires(permission: Permission) -> Any:
    """`caller: Caller = requires(Permission.ORDER_READ)` in a route's signature."""
    return Depends(Require(permission))
