"""`oms token` prints a token of the local issuer on its last line; `oms fallout` sends one."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx

from tests.conftest import ROOT, ApiServer
from tests.helpers import ORDERS
from tests.sample_orders import sample_order


def oms(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_oms_token_gives_a_customer_its_own_orders_only(
    api_server: ApiServer, http: httpx.AsyncClient
) -> None:
    party = f"cli-{uuid.uuid4()}"
    placed = await http.post(ORDERS, json=sample_order("handset-nova-x5", party))
    assert placed.status_code == 201
    await http.post(ORDERS, json=sample_order("handset-nova-x5", f"other-{uuid.uuid4()}"))

    printed = oms("token", "--role", "customer", "--party", party, "--ttl", "10m")
    assert printed.returncode == 0, printed.stderr
    token = printed.stdout.strip().splitlines()[-1]
    async with httpx.AsyncClient(base_url=api_server.base_url) as api:
        mine = await api.get(ORDERS, headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    assert [o["id"] for o in mine.json()] == [placed.json()["id"]]


def test_oms_token_refuses_an_unknown_role_or_a_customer_without_party() -> None:
    assert oms("token", "--role", "superuser").returncode != 0
    assert oms("token", "--role", "customer").returncode != 0
    assert oms("token", "--role", "channel", "--ttl", "soon").returncode != 0


def test_oms_fallout_sends_a_token(api_server: ApiServer) -> None:
    listed = oms("fallout", "list", TESSERA_API_URL=api_server.base_url)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip().endswith("case(s)")
    forged = oms("fallout", "list", TESSERA_API_URL=api_server.base_url, TESSERA_TOKEN="x.y.z")
    assert forged.returncode == 1 and "401" in forged.stderr
