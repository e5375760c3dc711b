"""/ops/v1/simulators over FastAPI's TestClient, with the app's TMF error handlers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from temporalio.exceptions import ApplicationError

from activities.southbound.contract import SOUTHBOUND_OPERATIONS, SYSTEM_OFFLINE
from api.errors import install_error_handlers
from api.identity import Authenticate
from api.routers import workforce
from api.routers.simulators import router
from tests.auth import broad_headers
from tests.simulators.support import make_request, new_order_id, run

BASE = "/ops/v1/simulators"
DEFAULT = {"latencyMs": 0, "failureRate": 0.0, "failureMode": "transient", "offline": False}


@pytest.fixture(scope="module")
def api() -> TestClient:
    app = FastAPI()
    app.add_middleware(Authenticate)  # as in api/app.py: the routes need a caller
    install_error_handlers(app)
    app.include_router(workforce.router)  # as in api/app.py: before /{system}
    app.include_router(router)
    return TestClient(app, headers=broad_headers())


def _config(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in DEFAULT}


def _assert_tmf_error(body: dict[str, Any], status: int, code: str) -> None:
    assert body["status"] == str(status) and body["code"] == code and body["reason"]


def test_lists_every_system_with_its_operations_and_config(api: TestClient) -> None:
    response = api.get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert [s["system"] for s in body] == [*SOUTHBOUND_OPERATIONS, "field_workforce"]
    shipping = body[list(SOUTHBOUND_OPERATIONS).index("shipping")]
    assert shipping["operations"] == ["ship", "cancel_shipment", "create_return_label"]
    assert _config(shipping) == DEFAULT


def test_put_replaces_the_whole_config(api: TestClient) -> None:
    first = api.put(f"{BASE}/shipping", json={"latencyMs": 10, "offline": True})
    assert first.status_code == 200
    assert _config(first.json()) == {**DEFAULT, "latencyMs": 10, "offline": True}

    second = api.put(f"{BASE}/shipping", json={"failureRate": 0.5, "failureMode": "permanent"})
    expected = {**DEFAULT, "failureRate": 0.5, "failureMode": "permanent"}
    assert _config(second.json()) == expected
    assert _config(api.get(f"{BASE}/shipping").json()) == expected


def test_patch_changes_only_the_fields_given(api: TestClient) -> None:
    api.put(f"{BASE}/billing", json={"latencyMs": 25, "failureRate": 0.2})
    response = api.patch(f"{BASE}/billing", json={"offline": True})
    assert response.status_code == 200
    assert _config(response.json()) == {
        **DEFAULT,
        "latencyMs": 25,
        "failureRate": 0.2,
        "offline": True,
    }


def test_delete_goes_back_to_the_defaults(api: TestClient) -> None:
    api.put(f"{BASE}/sim", json={"offline": True})
    response = api.delete(f"{BASE}/sim")
    assert response.status_code == 200
    assert _config(response.json()) == DEFAULT


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_an_unknown_system_is_404_in_tmf_shape(api: TestClient, method: str) -> None:
    kwargs: dict[str, Any] = {"json": {}} if method in {"put", "patch"} else {}
    response = api.request(method.upper(), f"{BASE}/telex", **kwargs)
    assert response.status_code == 404
    _assert_tmf_error(response.json(), 404, "NotFound")


def test_resources_of_an_unknown_system_is_404(api: TestClient) -> None:
    response = api.get(f"{BASE}/telex/resources")
    assert response.status_code == 404
    _assert_tmf_error(response.json(), 404, "NotFound")


@pytest.mark.parametrize(
    "body",
    [
        {"failureRate": 1.5},
        {"failureRate": -0.1},
        {"failureMode": "sometimes"},
        {"latencyMs": -1},
        {"latencyMs": "5"},
        {"latencyMs": 2.5},
        {"offline": "yes"},
        {"offlin": True},
    ],
)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_bad_values_are_422_in_tmf_shape(
    api: TestClient, method: str, body: dict[str, Any]
) -> None:
    response = api.request(method, f"{BASE}/inventory", json=body)
    assert response.status_code == 422
    _assert_tmf_error(response.json(), 422, "InvalidBody")
    assert _config(api.get(f"{BASE}/inventory").json()) == DEFAULT


def test_a_config_put_through_the_api_is_obeyed_by_the_activities(api: TestClient) -> None:
    api.put(f"{BASE}/portability", json={"offline": True})
    order_id = new_order_id()
    with pytest.raises(ApplicationError) as raised:
        run("portability.port_in", make_request(order_id, "port-in"))
    assert raised.value.type == SYSTEM_OFFLINE

    api.put(f"{BASE}/portability", json={"offline": False})
    assert run("portability.port_in", make_request(order_id, "port-in")).reference


def test_lists_a_systems_resources_of_an_order(api: TestClient) -> None:
    order_id, other_order = new_order_id(), new_order_id()
    port = run("inventory.reserve_port", make_request(order_id, "reserve", item_id="3"))
    run("inventory.reserve_port", make_request(other_order, "reserve"))

    response = api.get(f"{BASE}/inventory/resources", params={"orderId": order_id})

    assert response.status_code == 200
    [resource] = response.json()
    assert resource["id"] == port.reference
    assert (resource["orderId"], resource["itemId"], resource["taskId"]) == (
        order_id,
        "3",
        "reserve",
    )
    assert (resource["kind"], resource["state"]) == ("port", "reserved")
    assert api.get(f"{BASE}/shipping/resources", params={"orderId": order_id}).json() == []


def test_the_field_workforce_is_a_simulator_like_the_others(api: TestClient) -> None:
    workforce = f"{BASE}/field_workforce"
    try:
        switched = api.put(workforce, json={"autoComplete": True, "latencyMs": 200})
        slower = api.patch(workforce, json={"latencyMs": 900})
        listed = {s["system"]: s for s in api.get(BASE).json()}["field_workforce"]
        reset = api.delete(workforce)
    finally:
        api.delete(workforce)

    assert switched.status_code == 200 and switched.json()["autoComplete"] is True
    assert slower.json() == {
        "system": "field_workforce",
        "operations": ["complete_manual_task"],
        "autoComplete": True,
        "latencyMs": 900,
    }
    assert listed == slower.json()
    assert reset.status_code == 200
    assert (reset.json()["autoComplete"], reset.json()["latencyMs"]) == (False, 0)
    assert api.get(f"{BASE}/field-workforce").json() == reset.json()  # the first name still works
