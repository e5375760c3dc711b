"""Tokens for tests, from the embedded issuer that every API the tests start trusts.

conftest.py points LOCAL_ISSUER_KEY_FILE at a key of the session; `token()` signs with it.
"""

from __future__ import annotations

from api.local_issuer import LocalIssuer, get_local_issuer

# The `http` fixture's caller: broad rights, so that tests of any feature act freely.
BROAD_ROLES = ["order-manager", "process-admin", "fulfillment-manager", "fallout-manager"]
TEST_SUBJECT = "test-operator"


def issuer() -> LocalIssuer:
    found = get_local_issuer()
    assert found is not None, "LOCAL_ISSUER_KEY_FILE is not set (tests/conftest.py sets it)"
    return found


def token(
    roles: list[str] | str,
    subject: str | None = None,
    party: str | None = None,
    ttl_seconds: int = 6 * 3600,
) -> str:
    names = [roles] if isinstance(roles, str) else roles
    return issuer().mint(names, subject or f"test:{'+'.join(names)}", party, ttl_seconds)


def bearer(
    roles: list[str] | str, subject: str | None = None, party: str | None = None
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(roles, subject, party)}"}


def broad_headers() -> dict[str, str]:
    return bearer(BROAD_ROLES, TEST_SUBJECT)
