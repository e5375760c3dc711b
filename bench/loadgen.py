"""The API load generator, a process of its own: an asyncio httpx loop, bounded in count and time.

    python -m bench.loadgen --url http://127.0.0.1:PORT --mode max --seconds 15
    python -m bench.loadgen --url http://127.0.0.1:PORT --mode rate --rate 20 --seconds 30

`max`: closed loop, `--concurrency` clients POSTing back to back: the most POSTs/s it sustains.
`rate`: open loop, a POST and a GET of an already created order every 1/rate s, whatever the
answers' speed (latency counted from the planned send time, so queueing shows). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from typing import Any

import httpx

from bench.common import ms, percentile
from bench.reference import reference_order

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
MAX_REQUESTS = 20_000


async def closed_loop(http: httpx.AsyncClient, seconds: float, concurrency: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    latencies: list[float] = []
    errors = 0
    counter = iter(range(MAX_REQUESTS))
    stop_at = time.monotonic() + seconds

    async def client() -> None:
        nonlocal errors
        for i in counter:
            if time.monotonic() >= stop_at:
                return
            started = time.monotonic()
            response = await http.post(ORDERS, json=reference_order(i, run))
            latencies.append(time.monotonic() - started)
            errors += response.status_code != 201

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    return {
        "posts": len(latencies),
        "errors": errors,
        "posts_per_s": round(len(latencies) / elapsed, 2),
        "post_ms": {"p50": ms(percentile(latencies, 50)), "p99": ms(percentile(latencies, 99))},
    }


async def open_loop(http: httpx.AsyncClient, seconds: float, rate: float) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    posts: list[float] = []
    gets: list[float] = []
    errors: dict[str, int] = {"post": 0, "get": 0}
    created: list[str] = []
    seed = await http.post(ORDERS, json=reference_order(0, run))
    created.append(seed.json()["id"])

    async def post(i: int, planned: float) -> None:
        response = await http.post(ORDERS, json=reference_order(i, run))
        posts.append(time.monotonic() - planned)
        if response.status_code == 201:
            created.append(response.json()["id"])
        else:
            errors["post"] += 1

    async def get(i: int, planned: float) -> None:
        response = await http.get(f"{ORDERS}/{created[i % len(created)]}")
        gets.append(time.monotonic() - planned)
        errors["get"] += response.status_code != 200

    count = min(MAX_REQUESTS, int(seconds * rate))
    start = time.monotonic()
    pending: list[asyncio.Task[None]] = []
    for i in range(count):
        planned = start + i / rate
        await asyncio.sleep(max(0.0, planned - time.monotonic()))
        pending.append(asyncio.create_task(post(i + 1, planned)))
        pending.append(asyncio.create_task(get(i, planned)))
    await asyncio.wait_for(asyncio.gather(*pending), seconds + 60)
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "posts": len(posts),
        "gets": len(gets),
        "errors": errors,
        "post_ms": {"p50": ms(percentile(posts, 50)), "p99": ms(percentile(posts, 99))},
        "get_ms": {"p50": ms(percentile(gets, 50)), "p99": ms(percentile(gets, 99))},
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=("max", "rate"), required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--token", default=os.environ.get("TESSERA_TOKEN", ""), help="bearer")
    args = parser.parse_args()
    assert args.url.startswith("http://127.0.0.1:"), "load only a local API started by the bench"
    limits = httpx.Limits(max_connections=200)
    headers = {"Authorization": f"Bearer {args.token}"}
    async with httpx.AsyncClient(
        base_url=args.url, timeout=30, limits=limits, headers=headers
    ) as http:
        if args.mode == "max":
            result = await closed_loop(http, args.seconds, args.concurrency)
        else:
            result = await open_loop(http, args.seconds, args.rate)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
