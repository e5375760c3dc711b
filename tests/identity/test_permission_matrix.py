"""The permission table, route by route and role by role (api/permissions.py).

In process (FastAPI's TestClient, no server, no lifespan): the real middleware and the real
permission check run; where the table allows a call, a stand-in for each route's check stops
the request right after the check passed (answering 418), so no handler runs and nothing
changes, and where it refuses, the route's own check answers 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import TmfError
from api.identity import Caller, Require
from api.permissions import PUBLIC_PATHS, ROLE_PERMISSIONS, ROLES, Permission
from tests.auth import bearer

PASSED = 418  # the stand-in's answer once the real check let the call through


def _requirements(dependant: Dependant) -> Iterator[Require]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Require):
            yield dependency.call
        yield from _requirements(dependency)


def _api_routes(app: FastAPI) -> list[Any]:
    """Every API route with its full path, through the routers the app includes."""
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def permission_of(route: Any) -> Permission | None:
    found = {r.permission for r in _requirements(route.dependant)}
    assert len(found) <= 1, f"{route.path} names several permissions: {found}"
    return next(iter(found), None)


APP = create_app()
CALLS = sorted(
    (method, route.path, permission_of(route))
    for route in _api_routes(APP)
    if route.path not in PUBLIC_PATHS
    for method in route.methods
)


def _stand_in(check: Require) -> Any:
    async def passed(request: Request) -> Caller:
        await check(request)  # the real check: 403 here if the table says no
        raise TmfError(PASSED, "Allowed", f"{check.permission.value} granted")

    return passed


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    for route in _api_routes(APP):
        for check in _requirements(route.dependant):
            APP.dependency_overrides[check] = _stand_in(check)
    yield TestClient(APP, raise_server_exceptions=True)
    APP.dependency_overrides.clear()


def _call(api: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    url = re.sub(r"\{[^}]+\}", "x", path)
    body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    return api.request(method, url, json=body, headers=headers)


def test_every_route_declares_a_permission_or_is_public() -> None:
    undeclared = [f"{m} {p}" for m, p, permission in CALLS if permission is None]
    assert undeclared == [], "routes without a permission (api/permissions.py)"
    public_declared = [
        r.path for r in _api_routes(APP) if r.path in PUBLIC_PATHS and permission_of(r)
    ]
    assert public_declared == []
    assert len(CALLS) > 40  # the walk found the API's routes


def test_every_role_has_something_to_do_and_the_table_names_the_ten_roles() -> None:
    assert set(ROLES) == {
        "customer",
        "order-agent",
        "fulfillment-agent",
        "order-manager",
        "order-approver",
        "fulfillment-manager",
        "fallout-agent",
        "fallout-manager",
        "process-admin",
        "channel",
    }
    used = {permission for _, _, permission in CALLS}
    for role, granted in ROLE_PERMISSIONS.items():
        assert granted & used, f"{role} may call no route"


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_the_table_says(api: TestClient, role: str) -> None:
    headers = bearer(role, party="matrix-party")
    wrong: list[str] = []
    for method, path, permission in CALLS:
        assert permission is not None
        answer = _call(api, method, path, headers)
        expected = PASSED if permission in ROLE_PERMISSIONS[role] else 403
        if answer.status_code != expected:
            wrong.append(f"{method} {path}: {answer.status_code}, expected {expected}")
        elif expected == 403:
            body = answer.json()
            assert body["code"] == "Forbidden" and body["status"] == "403"
            assert "insufficient_scope" in answer.headers["WWW-Authenticate"]
    assert wrong == []


def test_every_route_without_a_token_is_401_in_tmf_shape(api: TestClient) -> None:
    for method, path, _ in CALLS:
        answer = _call(api, method, path, {})
        assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
        body = answer.json()
        assert (body["code"], body["status"]) == ("Unauthorized", "401")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_paths_need_no_token(api: TestClient) -> None:
    assert api.get("/health").status_code == 200
    document = api.get("/openapi.json")
    assert document.status_code == 200
    # /docs can authorize: the document declares the bearer scheme, and each route uses it.
    schemes = document.json()["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    order = document.json()["paths"]["/tmf-api/productOrderingManagement/v4/productOrder"]
    assert order["get"]["security"]
    assert api.get("/docs").status_code == 200
    assert api.get("/.well-known/jwks.json").json()["keys"][0]["kty"] == "RSA"


ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
# What the issue says of each persona, call by call (the table must agree).
PERSONAS: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {
    # role: (calls it may make, calls it may not)
    "customer": (
        {("POST", ORDERS), ("GET", ORDERS), ("PATCH", f"{ORDERS}/{{order_id}}")}
        | {("POST", "/tmf-api/productOrderingManagement/v4/cancelProductOrder")}
        | {("GET", "/tmf-api/productInventory/v4/product")},
        {
            ("GET", "/ops/v1/tasks"),
            ("GET", "/ops/v1/fallout"),
            ("PUT", "/ops/v1/simulators/{system}"),
        }
        | {("POST", "/tmf-api/productOrderingManagement/v4/hub"), ("GET", "/ops/v1/jeopardy")}
        | {("POST", "/ops/v1/orders/{order_id}/ponr-override")}
        | {("GET", "/ops/v1/approvals"), ("POST", "/ops/v1/approvals/{order_id}/approve")},
    ),
    "order-agent": (
        {("GET", "/ops/v1/approvals"), ("POST", "/ops/v1/approvals/{order_id}/release")},
        {("POST", "/ops/v1/approvals/{order_id}/approve")},
    ),
    "channel": (
        {("POST", ORDERS), ("GET", ORDERS)},
        {("POST", "/ops/v1/fallout/bulk-retry"), ("PUT", "/ops/v1/simulators/{system}")},
    ),
    "fulfillment-agent": (
        {("POST", "/ops/v1/tasks/{task_ref}/complete")}
        | {("POST", "/ops/v1/orders/{order_id}/information")},
        {("POST", "/ops/v1/orders/{order_id}/ponr-override"), ("POST", ORDERS)},
    ),
    "fulfillment-manager": ({("POST", "/ops/v1/orders/{order_id}/ponr-override")}, set()),
    "fallout-agent": (
        {("POST", "/ops/v1/fallout/{case_id}/retry")},
        {("POST", "/ops/v1/fallout/bulk-retry"), ("POST", ORDERS)},
    ),
    "fallout-manager": ({("POST", "/ops/v1/fallout/bulk-retry")}, set()),
    "order-manager": (
        {("PATCH", f"{ORDERS}/{{order_id}}"), ("GET", "/ops/v1/orders/{order_id}/history")},
        {("PUT", "/ops/v1/simulators/{system}")},
    ),
    "process-admin": (
        {("PUT", "/ops/v1/simulators/{system}"), ("GET", "/ops/v1/admission")}
        | {("POST", "/tmf-api/productOrderingManagement/v4/hub")},
        {("POST", ORDERS), ("POST", "/ops/v1/fallout/{case_id}/retry")},
    ),
    "order-approver": (
        {("GET", ORDERS), ("GET", "/ops/v1/approvals")}
        | {("POST", "/ops/v1/approvals/{order_id}/approve")}
        | {("POST", "/ops/v1/approvals/{order_id}/reject")},
        {("POST", ORDERS), ("PUT", "/ops/v1/simulators/{system}")},
    ),
}


@pytest.mark.parametrize("role", sorted(PERSONAS))
def test_the_table_gives_each_persona_the_rights_the_issue_names(role: str) -> None:
    by_call = {(m, p): permission for m, p, permission in CALLS}
    may, may_not = PERSONAS[role]
    granted = ROLE_PERMISSIONS[role]
    assert {c for c in may if by_call[c] not in granted} == set()
    assert {c for c in may_not if by_call[c] in granted} == set()
