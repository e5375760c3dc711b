"""TMF641 service orders and TMF652 resource orders: read-only views of an order's domain orders.

A domain order (a CFS/RFS service order or a resource order) is one child workflow of the
product order; its id here is that workflow's id, `order-<product order id>/<domain order id>`,
which is also how inventory names the services and resources realizing a product. Built from
the product order document (state, dates, parties) and its plan view (tasks, characteristics).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from decomposition.catalog import Action, CatalogVersion, Domain
from decomposition.plan import DomainOrder
from decomposition.tmf620 import specification_href
from workflows.plan_view import OrderPlanView, PlanTaskView

SERVICE_ORDERING_BASE = "/tmf-api/serviceOrdering/v4"
RESOURCE_ORDERING_BASE = "/tmf-api/resourceOrderingManagement/v4"
ORDER_PREFIX = "order-"

# TMF641/652 item actions are add, modify, delete and noChange: suspend and resume change a
# service's state, which is a modify.
_ACTIONS = {Action.ADD: "add", Action.MODIFY: "modify", Action.DELETE: "delete"}

Document = dict[str, Any]


def domain_order_ref_id(order_id: str, domain_order_id: str) -> str:
    return f"{ORDER_PREFIX}{order_id}/{domain_order_id}"


def split_ref_id(ref_id: str) -> tuple[str, str] | None:
    """(product order id, domain order id) of a service or resource order id, or None."""
    if not ref_id.startswith(ORDER_PREFIX) or "/" not in ref_id:
        return None
    order_id, domain_order_id = ref_id[len(ORDER_PREFIX) :].split("/", 1)
    return (order_id, domain_order_id) if order_id and domain_order_id else None


def refs_of(document: Document, domain: Domain) -> list[str]:
    """The ids of an order's domain orders of one domain, as its items list them."""
    return [
        ref["id"]
        for item in document.get("productOrderItem", [])
        for ref in item.get("domainOrder") or []
        if ref.get("domain") == domain.value
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _dates(tasks: list[PlanTaskView], state: str) -> Document:
    starts = [t.actual_start for t in tasks if t.actual_start is not None]
    ends = [t.actual_end or t.planned_end for t in tasks]
    known_ends = [e for e in ends if e is not None]
    finished = state in {"completed", "failed", "cancelled"}
    return {
        "startDate": _iso(min(starts)) if starts else None,
        "expectedCompletionDate": _iso(max(known_ends)) if known_ends else None,
        "completionDate": _iso(max(known_ends)) if finished and known_ends else None,
    }


def _states(document: Document) -> dict[str, str]:
    return {
        ref["id"]: ref["state"]
        for item in document.get("productOrderItem", [])
        for ref in item.get("domainOrder") or []
    }


def _characteristics(domain_order: DomainOrder) -> list[Document]:
    return [{"name": k, "value": v} for k, v in domain_order.characteristics.items()]


def _specification_ref(
    domain_order: DomainOrder, catalog: CatalogVersion | None, base_url: str
) -> Document:
    spec = catalog.spec(domain_order.spec_id) if catalog else None
    return {
        "id": domain_order.spec_id,
        "href": specification_href(base_url, domain_order.domain.value, domain_order.spec_id),
        "name": spec.name if spec else None,
        "version": catalog.version if catalog else None,
    }


@dataclass(frozen=True)
class DomainNames:
    """How one standard names what TMF641 and TMF652 both describe."""

    base: str  # the API's base path
    resource: str  # serviceOrder | resourceOrder
    order_type: str  # ServiceOrder | ResourceOrder
    item_list: str  # serviceOrderItem | orderItem
    item_type: str  # ServiceOrderItem | ResourceOrderItem
    entity: str  # service | resource (the item's subject)
    entity_type: str  # Service | Resource


NAMES = {
    Domain.SERVICE: DomainNames(
        SERVICE_ORDERING_BASE,
        "serviceOrder",
        "ServiceOrder",
        "serviceOrderItem",
        "ServiceOrderItem",
        "service",
        "Service",
    ),
    Domain.RESOURCE: DomainNames(
        RESOURCE_ORDERING_BASE,
        "resourceOrder",
        "ResourceOrder",
        "orderItem",
        "ResourceOrderItem",
        "resource",
        "Resource",
    ),
}


def _domain_fields(
    document: Document, domain_order: DomainOrder, tasks: list[PlanTaskView], spec: Document
) -> Document:
    """What only one of the two standards has."""
    priority = document.get("priority")
    if domain_order.domain != Domain.SERVICE:
        return {
            "name": spec["name"] or domain_order.spec_id,
            # TMF652 has an integer priority; TMF622's is a string ("0" to "4").
            "priority": int(priority) if priority is not None else None,
            "externalReference": [
                {"id": document["id"], "entityType": "ProductOrder", "owner": "Tessera"}
            ],
        }
    relationships: list[Document] = [
        {
            "id": document["id"],
            "href": document.get("href"),
            "relationshipType": "realizes",
            "@referredType": "ProductOrder",
        }
    ]
    if domain_order.parent_id and not domain_order.parent_id.startswith("product-"):
        relationships.append(
            {
                "id": domain_order_ref_id(document["id"], domain_order.parent_id),
                "relationshipType": "parent",
                "@referredType": "ServiceOrder",
            }
        )
    return {
        "category": domain_order.category,
        "priority": priority,
        "externalReference": [
            {
                "id": document["id"],
                "href": document.get("href"),
                "name": document["id"],
                "externalReferenceType": "ProductOrder",
            }
        ],
        "orderRelationship": relationships,
        "milestone": [
            {
                "id": t.id,
                "name": t.name,
                "milestoneDate": _iso(t.actual_end),
                "status": "reached",
            }
            for t in tasks
            if t.status.value == "completed" and t.actual_end is not None
        ],
    }


def domain_order_view(
    document: Document,
    domain_order: DomainOrder,
    tasks: list[PlanTaskView],
    catalog: CatalogVersion | None,
    base_url: str,
) -> Document:
    """A service order (TMF641) or resource order (TMF652): one item, the domain order's
    service or resource, with the product order's dates and parties."""
    names = NAMES[domain_order.domain]
    ref_id = domain_order_ref_id(document["id"], domain_order.id)
    state = _states(document).get(ref_id, "acknowledged")
    href = f"{base_url}{names.base}/{names.resource}/{ref_id}"
    spec = _specification_ref(domain_order, catalog, base_url)
    entity: Document = {
        "id": ref_id,
        "category": domain_order.category if domain_order.domain == Domain.SERVICE else None,
        "href": href if domain_order.domain != Domain.SERVICE else None,
        "name": domain_order.spec_id,
        f"{names.entity}Characteristic": _characteristics(domain_order),
        f"{names.entity}Specification": spec,
        "@type": names.entity_type,
    }
    item: Document = {
        "id": "1",
        "action": _ACTIONS.get(domain_order.action, "modify"),
        "quantity": 1,
        "state": state,
        # TMF652 names the specification on the item as well.
        "resourceSpecification": spec if domain_order.domain != Domain.SERVICE else None,
        names.entity: entity,
        "@type": names.item_type,
    }
    body = {
        "id": ref_id,
        "href": href,
        "description": f"{domain_order.spec_id} for product order item {domain_order.item_id}",
        "orderDate": document.get("orderDate"),
        "requestedStartDate": document.get("requestedStartDate"),
        "requestedCompletionDate": document.get("requestedCompletionDate"),
        **_dates(tasks, state),
        "state": state,
        # TMF641 requires a party's @type, which TMF622 leaves out.
        "relatedParty": [
            {"@type": "RelatedParty", **party} for party in document.get("relatedParty", [])
        ],
        **_domain_fields(document, domain_order, tasks, spec),
        names.item_list: [item],
        "@type": names.order_type,
    }
    return _without_none(body)


def views_of(
    document: Document,
    plan: OrderPlanView | None,
    domain: Domain,
    catalog: CatalogVersion | None,
    base_url: str,
    wanted: Iterable[str] | None = None,
) -> list[Document]:
    """The service or resource orders of one product order, in plan order; only `wanted` ids
    when given."""
    if plan is None:
        return []
    keep = set(wanted) if wanted is not None else None
    tasks: dict[str, list[PlanTaskView]] = {}
    for task in plan.tasks:
        tasks.setdefault(task.domain_order_id, []).append(task)
    return [
        domain_order_view(document, d, tasks.get(d.id, []), catalog, base_url)
        for d in plan.domain_orders
        if d.domain == domain
        and (keep is None or domain_order_ref_id(document["id"], d.id) in keep)
    ]


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
