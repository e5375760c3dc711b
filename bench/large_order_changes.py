"""Large orders changed in flight (issue 24): an amendment and a cancellation of an order of N
items (1,000 by default) while it runs. For each: the time to answer (the PATCH or the POST of
the cancellation, which the order workflow answers once it has re-planned or recorded it) and
the time to settle (amendment: the removed item shows `cancelled`; cancellation: the request
reaches `done` or `terminatedWithError`, the latter when an item has passed its point of no
return), then the order's state at the end of the run.

Same stack and order mix as `bench.large_order`; one order per change, each on a stack of its
own, one after the other.

    .venv/bin/python -m bench.large_order_changes [--size 1000] [--after 60] [--timeout 900]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import httpx

from bench.bench_decomposition import build_order
from bench.common import machine_facts, write_result
from bench.stack import Stack

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
WORKFORCE = "/ops/v1/simulators/field_workforce"
MERGE_PATCH = {"content-type": "application/merge-patch+json"}


async def _in_progress(http: httpx.AsyncClient, order_id: str, after_s: float) -> float:
    """Seconds from the POST until the order has been in progress for `after_s`."""
    started = time.monotonic()

    async def running() -> bool:
        return (await http.get(f"{ORDERS}/{order_id}")).json().get("state") == "inProgress"

    await _until(running, 600, every_s=0.5)
    await asyncio.sleep(after_s)
    return time.monotonic() - started


async def _until(check: Any, limit_s: float, every_s: float = 1.0) -> float | None:
    """Seconds until `check()` answers true, or None past `limit_s`."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if await check():
            return round(time.monotonic() - started, 1)
        await asyncio.sleep(every_s)
    return None


async def _running_order(
    http: httpx.AsyncClient, size: int, after_s: float, change: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """An order of `size` items, in progress for `after_s`: its body, id and result row."""
    body = build_order(size).model_dump(mode="json", by_alias=True, exclude_none=True)
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    row: dict[str, Any] = {"change": change, "items": size}
    row["changed_after_s"] = round(await _in_progress(http, order_id, after_s), 1)
    return body, order_id, row


def _answered(row: dict[str, Any], answer: httpx.Response, started: float, ok: int) -> bool:
    row["answer"] = f"{answer.status_code} in {(time.monotonic() - started) * 1000:.0f} ms"
    if answer.status_code != ok:
        row["answer"] += f" ({answer.json().get('reason')}: {answer.json().get('message')})"
    return answer.status_code == ok


async def amend(
    http: httpx.AsyncClient, size: int, after_s: float, limit_s: float
) -> dict[str, Any]:
    body, order_id, row = await _running_order(http, size, after_s, "amendment (last item removed)")
    removed = body["productOrderItem"][-1]["id"]
    started = time.monotonic()
    answer = await http.patch(
        f"{ORDERS}/{order_id}",
        json={"productOrderItem": body["productOrderItem"][:-1]},
        headers={**MERGE_PATCH, "X-Tessera-Reason": "benchmark"},
    )
    _answered(row, answer, started, 200)

    async def removed_item_cancelled() -> bool:
        order = (await http.get(f"{ORDERS}/{order_id}")).json()
        states = {i["id"]: i.get("state") for i in order.get("productOrderItem", [])}
        return states.get(removed) in (None, "cancelled")

    row["settled_s"] = await _until(removed_item_cancelled, limit_s)
    row["order_state_at_end"] = (await http.get(f"{ORDERS}/{order_id}")).json().get("state")
    return row


async def cancel(
    http: httpx.AsyncClient, size: int, after_s: float, limit_s: float
) -> dict[str, Any]:
    _, order_id, row = await _running_order(http, size, after_s, "cancellation")
    started = time.monotonic()
    answer = await http.post(CANCEL, json={"productOrder": {"id": order_id}})
    if not _answered(row, answer, started, 201):
        return row
    cancel_id = answer.json()["id"]
    final: dict[str, Any] = {}

    async def decided() -> bool:
        request = (await http.get(f"{CANCEL}/{cancel_id}")).json()
        final.update(request)
        return request.get("state") in ("done", "terminatedWithError")

    row["settled_s"] = await _until(decided, limit_s)
    row["cancellation_state"] = final.get("state")
    row["order_state_at_end"] = (await http.get(f"{ORDERS}/{order_id}")).json().get("state")
    return row


async def measure(size: int, after_s: float, limit_s: float) -> list[dict[str, Any]]:
    """Each change on a stack of its own: the first order would still be running beside the
    second."""
    rows = []
    for change in (amend, cancel):
        stack = Stack("large-changes")
        try:
            stack.start_server()
            stack.start_worker()
            stack.start_api()
            async with httpx.AsyncClient(
                base_url=stack.api_url, timeout=120, headers=stack.headers()
            ) as http:
                response = await http.put(WORKFORCE, json={"autoComplete": True, "latencyMs": 0})
                assert response.status_code == 200, response.text
                rows.append(await change(http, size, after_s, limit_s))
        finally:
            stack.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--after", type=float, default=60, help="seconds in progress first")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to settle, at most")
    parser.add_argument("--name", default="large_order_changes", help="results file name")
    args = parser.parse_args()
    os.environ.setdefault("ORDER_MAX_ITEMS", str(args.size))
    os.environ.setdefault("ORDER_MAX_TASKS", str(8 * args.size))
    machine = machine_facts()
    rows = asyncio.run(measure(args.size, args.after, args.timeout))
    table = [
        (
            f"{r['items']} items, {r['change']} after {r['changed_after_s']} s",
            f"answer {r['answer']}; settled in {r.get('settled_s', '-')} s"
            f"{'; request ' + r['cancellation_state'] if r.get('cancellation_state') else ''}"
            f"; order {r.get('order_state_at_end', '-')} at the end",
        )
        for r in rows
    ]
    write_result(args.name, {"machine": machine, "changes": rows}, table)


if __name__ == "__main__":
    main()
