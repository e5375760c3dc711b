"""Errors answer in the order's terms and always carry code, reason, message and status
(issue 26, items 5 and 6)."""

from __future__ import annotations

import json
import uuid

import httpx
from temporalio.client import Client

from tests.helpers import ORDERS, minimal_order, wait_for_state
from tests.sample_orders import sample_order

CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
TMF_ERROR_FIELDS = {"code", "reason", "message", "status"}


def _assert_tmf_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    error = response.json()
    assert TMF_ERROR_FIELDS <= set(error), error
    assert all(error[field] for field in TMF_ERROR_FIELDS), error
    assert (error["code"], error["status"]) == (code, str(status))
    return dict(error)


async def test_changing_a_closed_order_is_refused_in_the_orders_terms(
    http: httpx.AsyncClient, client: Client
) -> None:
    order_id = (await http.post(ORDERS, json=sample_order("handset-nova-x5"))).json()["id"]
    assert (await wait_for_state(http, order_id))["state"] == "completed"
    await client.get_workflow_handle(f"order-{order_id}").result()  # the workflow has closed

    patched = await http.patch(
        f"{ORDERS}/{order_id}",
        json={"description": "too late"},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    cancelled = await http.post(
        CANCEL, json={"productOrder": {"id": order_id}, "cancellationReason": "moved"}
    )

    error = _assert_tmf_error(patched, 409, "InvalidState")
    assert error["reason"] == f"order {order_id} is completed"
    assert "Workflow" not in error["reason"] + error["message"]
    assert cancelled.status_code == 201
    assert cancelled.json()["state"] == "terminatedWithError"
    assert cancelled.json()["errorMessage"] == f"InvalidState: order {order_id} is completed"
    assert (await http.get(f"{ORDERS}/{order_id}")).json()["state"] == "completed"


async def test_every_error_carries_a_message(http: httpx.AsyncClient) -> None:
    unknown = await http.get(f"{ORDERS}/{uuid.uuid4()}")
    read_only = await http.post(ORDERS, json=minimal_order(state="completed"))
    bad_query = await http.get(ORDERS, params={"limit": "many"})

    _assert_tmf_error(unknown, 404, "NotFound")
    _assert_tmf_error(read_only, 400, "ReadOnlyField")
    _assert_tmf_error(bad_query, 400, "InvalidQuery")


async def test_a_body_that_is_not_json_is_415_naming_the_types_accepted(
    http: httpx.AsyncClient,
) -> None:
    external_id = f"plain-{uuid.uuid4()}"
    body = json.dumps(sample_order("handset-nova-x5", externalId=external_id))

    as_text = await http.post(ORDERS, content=body, headers={"Content-Type": "text/plain"})
    untyped = await http.post(ORDERS, content=body.encode())
    patch = await http.patch(
        f"{ORDERS}/{uuid.uuid4()}",
        content='{"description": "x"}',
        headers={"Content-Type": "text/plain"},
    )

    error = _assert_tmf_error(as_text, 415, "UnsupportedMediaType")
    assert "text/plain" in error["reason"] and "application/json" in error["message"]
    assert "application/json" in _assert_tmf_error(untyped, 415, "UnsupportedMediaType")["message"]
    assert (
        "application/merge-patch+json"
        in _assert_tmf_error(patch, 415, "UnsupportedMediaType")["message"]
    )
    assert (await http.get(ORDERS, params={"externalId": external_id})).json() == []
    typed = await http.post(
        ORDERS, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert typed.status_code == 201
