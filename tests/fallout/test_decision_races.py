"""A fallout decision is taken exactly once: of concurrent decisions, one wins, the rest get 409.

Repeated on one case that reopens after each retry (its system still fails), enough rounds to
catch a race that loses one time in eight.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.fallout.conftest import FALLOUT, Breaker, wait_for_cases
from tests.helpers import ORDERS
from tests.sample_orders import sample_order

ROUNDS = 20  # a 1-in-8 race goes unseen in all of them with probability (7/8)^20 < 7%
CONCURRENT = 4


async def test_concurrent_decisions_on_one_case_are_taken_once(
    http: httpx.AsyncClient, break_system: Breaker
) -> None:
    # The failure comes after 0.8 s: a retry keeps its case `retrying` that long, so the four
    # decisions of a round all meet the one case they were sent for. Failing at once, a loaded
    # host let the retry fail and reopen the case (a new decision to take) before the last of
    # the four was read, and that one rightly won too.
    await break_system("billing", failureRate=1.0, failureMode="permanent", latencyMs=800)
    created = await http.post(
        ORDERS, json=sample_order("handset-nova-x5", customer=f"race-{uuid.uuid4()}")
    )
    order_id = created.json()["id"]
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)

    for round_ in range(ROUNDS):
        await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)
        before = (await http.get(f"{FALLOUT}/{case['id']}")).json()["notes"]
        answers = await asyncio.gather(
            # In the caller's name (the token's subject): the body names no agent.
            *[http.post(f"{FALLOUT}/{case['id']}/retry", json={}) for _ in range(CONCURRENT)]
        )

        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [409] * (CONCURRENT - 1), f"round {round_}: {statuses}"
        assert {a.json()["code"] for a in answers if a.status_code == 409} == {"InvalidState"}
        notes = (await http.get(f"{FALLOUT}/{case['id']}")).json()["notes"][len(before) :]
        assert [n["event"] for n in notes if n["event"] == "retry"] == ["retry"], notes
