"""Nothing personal in clear in Temporal: what the server stores is ciphertext; staff read it
through the codec server (the Temporal UI's codec endpoint)."""

from __future__ import annotations

import base64
import uuid

import httpx
from google.protobuf.json_format import MessageToDict
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.service import RPCError

from tests.conftest import AsClient
from tests.helpers import (
    ORDERS,
    eventually,
    order_histories_text,
    order_workflow_ids,
    wait_for_state,
)
from tests.sample_orders import sample_order

CODEC = "/ops/v1/codec"


def _fiber_order(address: str, phone: str) -> dict[str, object]:
    body = sample_order("fiber-broadband", customer=f"priv-{uuid.uuid4().hex[:8]}")
    chars = body["productOrderItem"][0]["product"]["productCharacteristic"]
    for char in chars:
        if char["name"] == "installationAddress":
            char["value"] = address
    body["note"] = [{"text": f"call {phone} before coming"}]
    return body


async def test_a_completed_order_leaves_no_personal_data_in_clear_in_temporal(
    http: httpx.AsyncClient, client: Client, workforce: None
) -> None:
    address = f"{uuid.uuid4().hex[:6]} Rue des Secrets, 69002 Lyon"
    phone = f"+33 6 {uuid.uuid4().int % 10**8:08d}"
    created = await http.post(ORDERS, json=_fiber_order(address, phone))
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    assert (await wait_for_state(http, order_id, timeout=90))["state"] == "completed"

    # Straight from the server, as its database or a UI without the codec holds it.
    raw_client = await Client.connect(
        client.service_client.config.target_host, namespace=client.namespace
    )
    workflow_ids = await order_workflow_ids(raw_client, order_id)
    assert len(workflow_ids) > 3  # the order and its product, service and resource orders
    for workflow_id in workflow_ids:
        history = await raw_client.get_workflow_handle(workflow_id).fetch_history()
        stored = b"".join(event.SerializeToString() for event in history.events)
        for value in (address, phone, "Rue des Secrets"):
            assert value.encode() not in stored, f"{value!r} in clear in {workflow_id}"
        assert b"binary/encrypted" in stored

    # Decrypted (what staff see through the codec), the same histories do hold them.
    decoded = await order_histories_text(client, order_id)
    assert address in decoded and phone in decoded


async def test_the_codec_server_decodes_a_history_payload(
    http: httpx.AsyncClient, http_as: AsClient, client: Client
) -> None:
    address = f"{uuid.uuid4().hex[:6]} Chemin Chiffré, Nantes"
    created = await http.post(ORDERS, json=_fiber_order(address, "+33 1 00 00 00 00"))
    order_id = created.json()["id"]
    handle = client.get_workflow_handle(f"order-{order_id}")
    # The workflow starts just after the 201.
    history = await eventually(lambda: _history(handle), what="the order's workflow")
    started = history.events[0].workflow_execution_started_event_attributes
    body = {"payloads": [MessageToDict(p) for p in started.input.payloads]}

    decoded = await http.post(f"{CODEC}/decode", json=body, headers={"X-Namespace": "default"})

    assert decoded.status_code == 200, decoded.text
    [payload] = decoded.json()["payloads"]
    assert payload["metadata"]["encoding"] == "anNvbi9wbGFpbg=="  # json/plain
    assert address in base64.b64decode(payload["data"]).decode()
    # And back: encode gives an encrypted payload that decodes to the same.
    encoded = await http.post(f"{CODEC}/encode", json={"payloads": [payload]})
    assert encoded.json()["payloads"][0]["metadata"]["encoding"] == "YmluYXJ5L2VuY3J5cHRlZA=="
    # Staff only: a customer's token is refused, and so is a call without a token.
    customer = http_as("customer", party="priv-someone")
    refused = await customer.post(f"{CODEC}/decode", json=body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "Forbidden"
    async with httpx.AsyncClient(base_url=str(http.base_url)) as nobody:
        anonymous = await nobody.post(f"{CODEC}/decode", json=body)
    assert anonymous.status_code == 401
    assert "payloads" not in refused.json() and "payloads" not in anonymous.json()
    await handle.terminate("test done")


async def _history(handle: WorkflowHandle) -> WorkflowHistory | None:
    try:
        return await handle.fetch_history()
    except RPCError:
        return None


async def test_the_codec_server_answers_the_ui_origin_only(http: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-namespace",
    }
    ui = await http.options(
        f"{CODEC}/decode", headers={"Origin": "http://127.0.0.1:8233", **preflight}
    )
    other = await http.options(
        f"{CODEC}/decode", headers={"Origin": "http://evil.example", **preflight}
    )

    assert ui.status_code == 200
    assert ui.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    assert "access-control-allow-origin" not in other.headers


async def test_the_codec_server_refuses_bad_input_in_tmf_shape(http: httpx.AsyncClient) -> None:
    bad = await http.post(f"{CODEC}/decode", json={"payloads": [{"data": 42}]})
    wrong_namespace = await http.post(
        f"{CODEC}/decode", json={"payloads": []}, headers={"X-Namespace": "billing"}
    )
    unknown_key = await http.post(
        f"{CODEC}/decode",
        json={
            "payloads": [
                {
                    "metadata": {
                        "encoding": "YmluYXJ5L2VuY3J5cHRlZA==",
                        "encryption-key-id": "bm8tc3VjaC1rZXk=",  # no-such-key
                    },
                    "data": "AAAA",
                }
            ]
        },
    )

    assert bad.status_code == 422 and bad.json()["code"] == "InvalidBody"
    assert wrong_namespace.status_code == 404
    assert unknown_key.status_code == 422 and "no-such-key" in unknown_key.json()["reason"]
