"""Amendments against each other and against a cancellation: optimistic concurrency holds.

`ETag` on GET names the order's version; `If-Match` with another version is a 412, and of two
PATCHes sent with the same one, exactly one wins. Once a cancellation is accepted, a PATCH is a
409. Each race is run enough times to catch one that loses one time in eight.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx

from tests.amendments.test_amendments import MERGE_PATCH
from tests.amendments.test_cancellation import CANCEL
from tests.helpers import ORDERS, eventually
from tests.sample_orders import sample_order

ROUNDS = 16  # two racers each round: a 1-in-8 loss shows with probability > 88%
FAR = timedelta(hours=2)  # the technician comes much later: the order waits, amendable


async def _waiting_order(http: httpx.AsyncClient) -> str:
    body = sample_order("fiber-broadband", customer=f"race-{uuid.uuid4()}", start_in=FAR)
    order_id = str((await http.post(ORDERS, json=body)).json()["id"])

    async def planned() -> bool:
        return (await http.get(f"{ORDERS}/{order_id}")).json()["state"] == "inProgress"

    await eventually(planned, what="the order to be planned")
    return order_id


async def test_if_match_lets_one_of_two_concurrent_patches_win(http: httpx.AsyncClient) -> None:
    order_id = await _waiting_order(http)
    url = f"{ORDERS}/{order_id}"

    for round_ in range(ROUNDS):
        etag = (await http.get(url)).headers["ETag"]
        answers = await asyncio.gather(
            *[
                http.patch(
                    url,
                    json={"description": f"round {round_} by {who}"},
                    headers={**MERGE_PATCH, "If-Match": etag},
                )
                for who in ("a", "b")
            ]
        )

        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 412], f"round {round_}: {[a.text for a in answers]}"
        [won] = [a for a in answers if a.status_code == 200]
        assert won.json()["version"] == int(etag.strip('"')) + 1
        assert won.headers["ETag"] == f'"{won.json()["version"]}"'
        assert [a.json()["code"] for a in answers if a.status_code == 412] == ["PreconditionFailed"]

    stale = await http.patch(
        url, json={"description": "stale"}, headers={**MERGE_PATCH, "If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.json()["status"] == "412"
    order = (await http.get(url)).json()
    assert order["version"] == ROUNDS + 1
    assert order["description"].startswith(f"round {ROUNDS - 1} by ")


async def test_no_patch_is_taken_once_a_cancellation_is_accepted(http: httpx.AsyncClient) -> None:
    order_ids = await asyncio.gather(*[_waiting_order(http) for _ in range(8)])

    async def cancel_then_patch(order_id: str) -> tuple[str, httpx.Response]:
        cancel = await http.post(CANCEL, json={"productOrder": {"id": order_id}})
        assert cancel.status_code == 201, cancel.text
        patched = await http.patch(
            f"{ORDERS}/{order_id}", json={"description": "too late"}, headers=MERGE_PATCH
        )
        return cancel.json()["state"], patched

    for state, patched in await asyncio.gather(*[cancel_then_patch(o) for o in order_ids]):
        assert state in {"acknowledged", "inProgress", "done"}
        assert patched.status_code == 409, patched.text
        assert patched.json()["code"] == "InvalidState"
