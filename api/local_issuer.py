"""The embedded token issuer of the local stack: one RSA key in a file, tokens for any role.

Off unless LOCAL_ISSUER_KEY_FILE is set (`oms dev` sets it; a production deployment points
OIDC_ISSUER at its identity provider instead). The key is created once, atomically, so every
API process and `oms token` read the same one; the API serves its public half as a JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from config.settings import get_settings

ALGORITHM = "RS256"


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """The key in `path`; created there first if there is none (another process may race us:
    the file appears whole or not at all, and the first one written wins)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".issuer-key-")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.close(fd)
            os.link(tmp, path)  # fails if another process got there first: use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return loaded


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _nested(path: str, value: object) -> dict[str, Any]:
    """'realm_access.roles', [...] -> {'realm_access': {'roles': [...]}}."""
    claim: Any = value
    for part in reversed(path.split(".")):
        claim = {part: claim}
    result: dict[str, Any] = claim
    return result


@dataclass(frozen=True)
class LocalIssuer:
    key: rsa.RSAPrivateKey
    issuer: str
    audience: str
    roles_claim: str
    party_claim: str
    default_ttl_seconds: int

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        # RFC 7638 thumbprint: stable across processes that share the key.
        canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
        kid = _b64(hashlib.sha256(canonical.encode()).digest())
        return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}

    @property
    def kid(self) -> str:
        return str(self.public_jwk["kid"])

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def mint(
        self,
        roles: list[str],
        subject: str,
        party_id: str | None = None,
        ttl_seconds: int | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + (ttl_seconds or self.default_ttl_seconds),
            "jti": str(uuid.uuid4()),
            **_nested(self.roles_claim, roles),
        }
        if party_id is not None:
            claims.update(_nested(self.party_claim, party_id))
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.kid})


def default_subject(role: str, party_id: str | None) -> str:
    return f"local:{role}" if party_id is None else f"local:{role}:{party_id}"


@lru_cache(maxsize=1)
def get_local_issuer() -> LocalIssuer | None:
    settings = get_settings()
    if not settings.local_issuer_key_file:
        return None
    return LocalIssuer(
        key=load_or_create_key(Path(settings.local_issuer_key_file)),
        issuer=settings.oidc_issuer or settings.local_issuer_id,
        audience=settings.oidc_audience,
        roles_claim=settings.oidc_roles_claim,
        party_claim=settings.oidc_party_claim,
        default_ttl_seconds=settings.local_token_ttl_seconds,
    )
