"""Hostile and careless requests: bounded, refused in TMF shape, never a 5xx, never stuck.

Each case here was found by probing a running stack (issue 27): an answer of 500, or a 201 for an
order that could then never progress.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.auth import bearer
from tests.conftest import ROOT, ApiServer, free_port
from tests.helpers import ORDERS, minimal_order
from tests.sample_orders import sample_order

PREVIEW = "/ops/v1/plan-preview"


def assert_tmf_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()
    assert error["@type"] == "Error" and error["status"] == str(status) and error["reason"]
    if code is not None:
        assert error["code"] == code, error


def handset(value: Any, **extra: Any) -> str:
    """A handset order whose `engraving` characteristic holds `value`, as JSON text; the token
    `"__1E400__"` becomes the number 1e400, which no Python float can hold."""
    body = sample_order("handset-nova-x5", customer=f"hostile-{uuid.uuid4()}", **extra)
    body["productOrderItem"][0]["product"]["productCharacteristic"].append(
        {"name": "engraving", "value": value}
    )
    return json.dumps(body).replace('"__1E400__"', "1e400")


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"a": value}
    return value


UNPASSABLE = {
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": [1, float("-inf")],
    "1e400": "__1E400__",
    "lone surrogate": "\ud800",
    "lone surrogate as a key": {"\udc00": 1},
    "254 levels deep": nested(254),
}


@pytest.mark.parametrize("case", sorted(UNPASSABLE))
async def test_values_an_order_could_never_carry_are_refused_before_the_201(
    http: httpx.AsyncClient, case: str
) -> None:
    marker = f"unpassable-{uuid.uuid4()}"
    text = handset(UNPASSABLE[case], externalId=marker)

    response = await http.post(ORDERS, content=text, headers={"content-type": "application/json"})

    assert_tmf_error(response, 422, "InvalidBody")
    assert (await http.get(ORDERS, params={"externalId": marker})).json() == []


async def test_a_characteristic_past_its_size_limit_is_refused(http: httpx.AsyncClient) -> None:
    # 700 KB used to make a plan past Temporal's payload limit: the order stayed acknowledged.
    response = await http.post(
        ORDERS, content=handset("x" * 700_000), headers={"content-type": "application/json"}
    )
    assert_tmf_error(response, 422, "CharacteristicTooLarge")
    assert "engraving" in response.json()["reason"]


OVERLONG: dict[str, dict[str, Any]] = {
    "item id": {"productOrderItem": [{"id": "i" * 101, "action": "add"}]},
    "relationship id": {
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOrderItemRelationship": [{"id": "r" * 101, "relationshipType": "reliesOn"}],
            }
        ]
    },
    "party id": {"relatedParty": [{"id": "p" * 201, "@referredType": "Individual"}]},
    "channel name": {"channel": [{"id": "web", "name": "c" * 101}]},
}


@pytest.mark.parametrize("case", sorted(OVERLONG))
async def test_identifiers_longer_than_the_store_keeps_are_refused(
    http: httpx.AsyncClient, case: str
) -> None:
    # On PostgreSQL they failed at an insert: a 500, or after the 201 an order that never ran.
    response = await http.post(ORDERS, json=minimal_order(**OVERLONG[case]))
    assert_tmf_error(response, 422, "InvalidBody")


def _raw_request(server: ApiServer, head: str, body: bytes, timeout: float = 10) -> bytes:
    """Send a request by hand (a client that declares more than it sends, or chunks for ever)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head.encode() + body)
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_a_50_mb_body_is_refused_without_being_read(api_server: ApiServer) -> None:
    # Declared: answered at once, though not one byte of the 50 MB has been sent.
    started = time.monotonic()
    head = (
        f"POST {ORDERS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    )
    answer = _raw_request(api_server, head, b'{"productOrderItem": [')
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"PayloadTooLarge"' in answer
    assert time.monotonic() - started < 5


def test_a_chunked_body_is_refused_once_it_passes_the_limit(api_server: ApiServer) -> None:
    chunk = b"x" * 65536
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20))  # 1.25 MB
    head = (
        f"POST {PREVIEW} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    answer = _raw_request(api_server, head, framed)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.parametrize(
    "path",
    [
        ORDERS,
        PREVIEW,
        "/tmf-api/productOrderingManagement/v4/hub",
        "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
        "/ops/v1/fallout/no-such-case/retry",
    ],
)
async def test_every_route_has_the_body_limit(http: httpx.AsyncClient, path: str) -> None:
    response = await http.post(
        path, content=b"[" + b"1," * 600_000 + b"1]", headers={"content-type": "application/json"}
    )
    assert_tmf_error(response, 413, "PayloadTooLarge")


async def test_plan_preview_obeys_the_item_limit_of_post(http: httpx.AsyncClient) -> None:
    body = minimal_order(productOrderItem=[{"id": str(i), "action": "add"} for i in range(201)])

    assert_tmf_error(await http.post(PREVIEW, json=body), 422, "TooManyItems")
    assert_tmf_error(await http.post(ORDERS, json=body), 422, "TooManyItems")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (ORDERS, {"orderDate.gte": "0001-01-01T00:00:00+14:00"}),
        (ORDERS, {"orderDate.lt": "9999-12-31T23:59:59-14:00"}),
        (ORDERS, {"orderDate": "2026-13-45"}),
        (ORDERS, {"limit": "1e400"}),
        (ORDERS, {"offset": "9" * 5000}),
        ("/ops/v1/fallout", {"minAgeMinutes": "nan"}),
        ("/ops/v1/fallout", {"minAgeMinutes": "inf"}),
        ("/ops/v1/fallout", {"minAgeMinutes": "-inf"}),
        ("/ops/v1/fallout", {"minAgeMinutes": "1e400"}),
        ("/ops/v1/fallout/summary", {"minAgeMinutes": "1e300"}),
        ("/ops/v1/fallout", {"minAgeMinutes": "-5"}),
    ],
)
async def test_query_values_out_of_range_are_400s(
    http: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    assert_tmf_error(await http.get(path, params=params), 400)


async def test_over_long_headers_are_400s(http: httpx.AsyncClient) -> None:
    long = "a" * 5000
    assert_tmf_error(await http.get(ORDERS, headers={"X-Anything": long}), 400, "InvalidRequest")
    assert_tmf_error(
        await http.post(ORDERS, json=minimal_order(), headers={"Idempotency-Key": "k" * 300}),
        400,
        "InvalidRequest",
    )


async def test_an_empty_idempotency_key_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post(ORDERS, json=minimal_order(), headers={"Idempotency-Key": ""})
    assert_tmf_error(response, 400, "InvalidHeader")


async def test_idempotency_keys_belong_to_their_caller(http: httpx.AsyncClient) -> None:
    key = str(uuid.uuid4())
    alice, mallory = f"alice-{uuid.uuid4()}", f"mallory-{uuid.uuid4()}"
    mine = minimal_order(relatedParty=[{"id": alice, "@referredType": "Individual"}])
    theirs = minimal_order(relatedParty=[{"id": mallory, "@referredType": "Individual"}])

    # Two customers, one key: each has an order of its own.
    first = await http.post(
        ORDERS, json=mine, headers={"Idempotency-Key": key, **bearer("customer", party=alice)}
    )
    other = await http.post(
        ORDERS, json=theirs, headers={"Idempotency-Key": key, **bearer("customer", party=mallory)}
    )

    assert first.status_code == other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in other.headers
    # One caller (a channel ordering for both), one key: one request, never two orders.
    channel = {"Idempotency-Key": str(uuid.uuid4()), **bearer("channel", subject="web-shop")}
    ordered = await http.post(ORDERS, json=mine, headers=channel)
    reused = await http.post(ORDERS, json=theirs, headers=channel)
    assert ordered.status_code == 201
    assert reused.status_code == 422 and reused.json()["code"] == "IdempotencyKeyReused"


async def test_concurrent_posts_of_one_key_with_different_bodies_create_one_order(
    http: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        key = str(uuid.uuid4())
        responses = await asyncio.gather(
            *[
                http.post(
                    ORDERS,
                    json=minimal_order(description=f"v{n}"),
                    headers={"Idempotency-Key": key},
                )
                for n in range(8)
            ]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [422] * 7, statuses
        for refused in (r for r in responses if r.status_code == 422):
            assert_tmf_error(refused, 422, "IdempotencyKeyReused")


async def test_a_callback_to_the_platform_or_off_the_allow_list_is_refused(
    http: httpx.AsyncClient, api_server: ApiServer
) -> None:
    hub = "/tmf-api/productOrderingManagement/v4/hub"
    for callback in (
        f"http://127.0.0.1:{api_server.port}/x",  # loopback, but the API itself
        "http://localhost:9/x",
        "http://169.254.169.254/latest/meta-data",
    ):
        response = await http.post(hub, json={"callback": callback})
        assert_tmf_error(response, 400, "InvalidCallback")


@pytest.fixture(scope="module")
def oms_api(temporal_env: object) -> Iterator[int]:
    """The API as `oms api` serves it (with the server's own 400s in TMF shape)."""
    port = free_port()
    env = {**os.environ, "API_PORT": str(port), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen([sys.executable, "-m", "cli", "api"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "oms api did not start"
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=15)


@pytest.mark.parametrize(
    "request_head",
    [
        "GET /health HTTP/1.1\r\nHost: x\r\nno colon in this header\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Long: " + "a" * 200_000 + "\r\n\r\n",
        "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
    ],
)
def test_a_request_the_http_server_refuses_gets_a_tmf_error(
    oms_api: int, request_head: str
) -> None:
    with socket.create_connection(("127.0.0.1", oms_api), timeout=10) as sock:
        sock.sendall(request_head.encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), received[:200]
    error = json.loads(body)
    assert (error["@type"], error["status"], error["code"]) == ("Error", "400", "InvalidRequest")
