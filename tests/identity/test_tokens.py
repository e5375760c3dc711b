"""Forged, stale and misdirected tokens are refused (401) and change nothing; a token checked
against an issuer's JWKS over HTTP (the Keycloak path) works like the embedded issuer's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.auth import BROAD_ROLES, TEST_SUBJECT, issuer, token
from tests.conftest import ApiServer, free_port
from tests.helpers import ORDERS
from tests.sample_orders import sample_order


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    local = issuer()
    claims: dict[str, Any] = {
        "iss": local.issuer,
        "aud": local.audience,
        "sub": "mallory",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "realm_access": {"roles": BROAD_ROLES},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(claims: dict[str, Any], kid: str | None = None) -> str:
    local = issuer()
    return jwt.encode(claims, local.key, algorithm="RS256", headers={"kid": kid or local.kid})


def _hmac_with_public_key() -> str:
    """HS256 keyed with the issuer's public key: what a confused verifier would accept."""
    local = issuer()
    public_pem = local.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": local.kid}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _unsigned() -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": issuer().kid}).encode())
    return f"{header}.{_b64(json.dumps(_claims()).encode())}."


def _attacks() -> dict[str, str]:
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_ec = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())
    return {
        "unsigned (alg none)": _unsigned(),
        "signed with another key, same kid": jwt.encode(
            _claims(), other_rsa, algorithm="RS256", headers={"kid": issuer().kid}
        ),
        "ES256 with another key": jwt.encode(
            _claims(), other_ec, algorithm="ES256", headers={"kid": issuer().kid}
        ),
        "HMAC with the public key": _hmac_with_public_key(),
        "expired": _signed(_claims(exp=now - 3600, iat=now - 7200, nbf=now - 7200)),
        "not yet valid": _signed(_claims(nbf=now + 3600)),
        "wrong audience": _signed(_claims(aud="another-api")),
        "wrong issuer": _signed(_claims(iss="https://evil.example/realms/tessera")),
        "unknown kid": _signed(_claims(), kid="no-such-key"),
        "no subject": _signed(_claims(sub=None)),
        "no expiry": _signed(_claims(exp=None)),
        "garbage": "abc.def.ghi",
        "not a JWT": "hello",
        "tampered payload": _tampered(),
    }


def _tampered() -> str:
    header, _, signature = _signed(_claims(realm_access={"roles": ["customer"]})).split(".")
    return f"{header}.{_b64(json.dumps(_claims()).encode())}.{signature}"


ATTACKS = _attacks()


@pytest.mark.parametrize("attack", sorted(ATTACKS))
async def test_a_bad_token_is_401_and_changes_nothing(
    attack: str, http: httpx.AsyncClient, api_server: ApiServer
) -> None:
    party = f"attack-{abs(hash(attack))}"
    headers = {"Authorization": f"Bearer {ATTACKS[attack]}"}

    async with httpx.AsyncClient(base_url=api_server.base_url, headers=headers) as forged:
        created = await forged.post(ORDERS, json=sample_order("handset-nova-x5", party))
        listed = await forged.get(ORDERS)

    for answer in (created, listed):
        assert answer.status_code == 401, (attack, answer.status_code, answer.text)
        assert answer.json()["code"] == "Unauthorized"
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    stored = await http.get(ORDERS, params={"relatedParty.id": party})
    assert stored.json() == [] and stored.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Basic dXNlcjpwYXNz", f"Token {token('customer')}"]
)
def test_a_missing_or_other_scheme_is_401(header: str, anonymous: httpx.Client) -> None:
    answer = anonymous.get(ORDERS, headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="tessera"')


def test_a_small_clock_skew_is_tolerated(anonymous: httpx.Client) -> None:
    now = int(time.time())
    skewed = _signed(_claims(nbf=now + 10, iat=now + 10, sub=TEST_SUBJECT))
    answer = anonymous.get(ORDERS, headers={"Authorization": f"Bearer {skewed}"})
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def remote_keys_api(api_server: ApiServer) -> Iterator[ApiServer]:
    """An API without the embedded issuer, checking tokens against another's JWKS over HTTP,
    as it would against Keycloak's."""
    server = ApiServer(
        free_port(),
        env={
            "LOCAL_ISSUER_KEY_FILE": "",
            "OIDC_ISSUER": issuer().issuer,
            "OIDC_JWKS_URL": f"{api_server.base_url}/.well-known/jwks.json",
        },
    )
    server.start()
    yield server
    server.stop()


def test_tokens_are_checked_against_the_issuers_jwks(remote_keys_api: ApiServer) -> None:
    with httpx.Client(base_url=remote_keys_api.base_url, timeout=30) as api:
        good = api.get(ORDERS, headers={"Authorization": f"Bearer {token('order-manager')}"})
        assert good.status_code == 200, good.text
        unknown = api.get(
            ORDERS, headers={"Authorization": f"Bearer {_signed(_claims(), kid='rotated-away')}"}
        )
        assert unknown.status_code == 401
        forged = api.get(
            ORDERS,
            headers={"Authorization": f"Bearer {ATTACKS['signed with another key, same kid']}"},
        )
        assert forged.status_code == 401
        # Without the embedded issuer there is no local sign-in and no JWKS of its own.
        assert api.post("/auth/local/token", json={"role": "process-admin"}).status_code == 404
