"""TMF641 service orders and TMF652 resource orders: the domain orders of a product order, read
in the service and resource layers' own standards."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import ADDRESS, sample_order
from tests.tmf_spec import spec_problems

SERVICE_ORDERS = "/tmf-api/serviceOrdering/v4/serviceOrder"
RESOURCE_ORDERS = "/tmf-api/resourceOrderingManagement/v4/resourceOrder"
TMF641 = "TMF641_ServiceOrdering_v4.1.0.swagger.json"
TMF652 = "TMF652_ResourceOrdering_v4.0.0.swagger.json"


async def _completed_fiber_order(http: httpx.AsyncClient) -> dict[str, Any]:
    customer = f"domain-{uuid.uuid4().hex[:6]}"
    created = await http.post(ORDERS, json=sample_order("fiber-broadband", customer=customer))
    assert created.status_code == 201, created.text
    order = await wait_for_state(http, created.json()["id"], timeout=90)
    assert order["state"] == "completed", order.get("errorMessage")
    return order


async def test_service_and_resource_orders_of_a_product_order(
    http: httpx.AsyncClient, workforce: None
) -> None:
    order = await _completed_fiber_order(http)
    refs = [d for item in order["productOrderItem"] for d in item["domainOrder"]]

    services = await http.get(SERVICE_ORDERS, params={"externalReference.id": order["id"]})
    assert services.status_code == 200, services.text
    found = services.json()
    assert services.headers["X-Total-Count"] == str(len(found))
    # Every service domain order the product order shows, and nothing else.
    assert sorted(s["id"] for s in found) == sorted(
        d["id"] for d in refs if d["domain"] == "service"
    )
    categories = {
        s["serviceOrderItem"][0]["service"]["serviceSpecification"]["id"]: s["category"]
        for s in found
    }
    assert categories == {
        "cfs-internet-access": "CFS",
        "rfs-ftth-access": "RFS",
        "rfs-home-gateway": "RFS",
    }
    for service_order in found:
        assert spec_problems(service_order, TMF641, "ServiceOrder") == []
        assert service_order["state"] == "completed"
        assert service_order["serviceOrderItem"][0]["state"] == "completed"
        assert service_order["serviceOrderItem"][0]["action"] == "add"
        assert order["orderDate"] <= service_order["startDate"] <= service_order["completionDate"]
        assert service_order["externalReference"][0]["id"] == order["id"]
        assert [p["id"] for p in service_order["relatedParty"]] == [
            p["id"] for p in order["relatedParty"]
        ]
    cfs = next(s for s in found if s["category"] == "CFS")
    rfs = next(s for s in found if s["category"] == "RFS")
    assert {"id": cfs["id"], "relationshipType": "parent", "@referredType": "ServiceOrder"} in rfs[
        "orderRelationship"
    ]
    # The installation address flowed down to the access service.
    access = next(
        s for s in found if s["serviceOrderItem"][0]["service"]["name"] == "rfs-ftth-access"
    )
    characteristics = access["serviceOrderItem"][0]["service"]["serviceCharacteristic"]
    assert {"name": "address", "value": ADDRESS} in characteristics

    one = await http.get(f"{SERVICE_ORDERS}/{cfs['id']}")
    assert one.status_code == 200
    assert one.json() == cfs
    assert one.json()["href"].endswith(f"{SERVICE_ORDERS}/{cfs['id']}")

    resources = (
        await http.get(RESOURCE_ORDERS, params={"externalReference.id": order["id"]})
    ).json()
    assert [r["orderItem"][0]["resourceSpecification"]["id"] for r in resources] == ["router"]
    router = resources[0]
    assert spec_problems(router, TMF652, "ResourceOrder") == []
    assert router["state"] == "completed"
    assert router["externalReference"] == [
        {"id": order["id"], "entityType": "ProductOrder", "owner": "Tessera"}
    ]
    assert (await http.get(f"{RESOURCE_ORDERS}/{router['id']}")).json() == router


async def test_query_conventions_and_unknown_ids(http: httpx.AsyncClient, workforce: None) -> None:
    order = await _completed_fiber_order(http)

    page = await http.get(
        SERVICE_ORDERS,
        params={"externalReference.id": order["id"], "limit": 2, "offset": 1, "fields": "state"},
    )
    assert page.headers["X-Total-Count"] == "3"
    assert page.headers["X-Result-Count"] == "2"
    assert all(set(s) == {"id", "href", "state"} for s in page.json())

    completed = await http.get(
        SERVICE_ORDERS, params={"externalReference.id": order["id"], "state": "failed"}
    )
    assert completed.json() == []

    unknown = await http.get(f"{SERVICE_ORDERS}/order-{uuid.uuid4()}/service-x-1")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "NotFound"
    # A resource order is not a service order.
    router_id = next(
        d["id"]
        for i in order["productOrderItem"]
        for d in i["domainOrder"]
        if d["domain"] == "resource"
    )
    assert (await http.get(f"{SERVICE_ORDERS}/{router_id}")).status_code == 404
    assert (await http.get(SERVICE_ORDERS, params={"color": "red"})).status_code == 400
