"""`oms replay`: the check before a deploy passes on real histories and fails, naming the
workflow and the event, on a history the code on disk cannot replay."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
from temporalio.client import Client

from tests.conftest import ROOT
from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order

RECORDED = (
    ROOT / "tests" / "histories" / "v0.2.0" / "product_order_completed.product-handset-1.json"
)


async def _oms_replay(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "replay",
        *args,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_oms_replay_passes_on_the_histories_of_a_running_temporal(
    http: httpx.AsyncClient, client: Client
) -> None:
    created = await http.post(ORDERS, json=sample_order("handset-nova-x5"))
    order_id = created.json()["id"]
    await wait_for_state(http, order_id, timeout=60)

    one_code, one = await _oms_replay(f"order-{order_id}")
    query_code, by_query = await _oms_replay("--query", f"OrderId = '{order_id}'")

    assert one_code == 0, one
    assert f"ok    order-{order_id}" in one and "1 replayed, 0 failed" in one
    assert query_code == 0, by_query
    assert f"order-{order_id}/product-handset-1" in by_query and "2 replayed, 0 failed" in by_query


async def test_oms_replay_fails_naming_the_workflow_and_the_event(tmp_path: Path) -> None:
    history = json.loads(RECORDED.read_text())
    scheduled = next(e for e in history["events"] if "activityTaskScheduledEventAttributes" in e)
    scheduled["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "billing.teleport"
    tampered = tmp_path / "order-tampered.json"
    tampered.write_text(json.dumps(history))
    keys = {"PAYLOAD_KEYS": "", "PAYLOAD_KEYS_FILE": str(ROOT / "tests/histories/payload-keys")}

    good_code, good = await _oms_replay("-f", str(RECORDED), env=keys)
    bad_code, bad = await _oms_replay("-f", str(RECORDED), "-f", str(tampered), env=keys)

    assert good_code == 0, good
    assert bad_code == 1
    event = f"event {scheduled['eventId']} (ActivityTaskScheduled)"
    [failure] = [line for line in bad.splitlines() if line.startswith("FAIL")]
    assert failure.startswith("FAIL  order-tampered (run ") and f"): {event}: " in failure, bad
    assert "billing.teleport" in bad and "1 failed" in bad
