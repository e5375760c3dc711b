"""The catalog's structure as TM Forum resources: TMF620 categories and catalogs (one per catalog
version), TMF633 service and TMF634 resource specifications with their relationships."""

from __future__ import annotations

from typing import Any

from decomposition.catalog import (
    CatalogVersion,
    Category,
    RelationshipType,
    ServiceSpecification,
    Specification,
)
from decomposition.tmf620 import specification_href
from tmf.product_catalog import Catalog as TmfCatalog
from tmf.product_catalog import CatalogRef, catalog_href
from tmf.product_catalog import Category as TmfCategory

_LAUNCHED = "Launched"
Document = dict[str, Any]


def categories(catalog: CatalogVersion, base_url: str = "") -> list[TmfCategory]:
    return [_category(c, catalog, base_url) for c in catalog.categories]


def _category(category: Category, catalog: CatalogVersion, base_url: str) -> TmfCategory:
    return TmfCategory(
        id=category.id,
        href=catalog_href(base_url, "category", category.id),
        name=category.name,
        description=category.description or None,
        version=catalog.version,
        lifecycle_status=category.lifecycle_status.value,
        is_root=category.parent is None,
        parent_id=category.parent,
        sub_category=[
            CatalogRef(id=c.id, href=catalog_href(base_url, "category", c.id), name=c.name)
            for c in catalog.categories
            if c.parent == category.id
        ],
        product_offering=[
            CatalogRef(id=o.id, href=catalog_href(base_url, "productOffering", o.id), name=o.name)
            for o in catalog.offerings
            if category.id in o.category
        ],
    )


def catalog_of(catalog: CatalogVersion, latest: bool, base_url: str = "") -> TmfCatalog:
    return TmfCatalog(
        id=catalog.version,
        href=catalog_href(base_url, "catalog", catalog.version),
        name=f"Tessera product catalog {catalog.version}",
        description=catalog.description or None,
        version=catalog.version,
        # Older versions serve only the orders that started on them.
        lifecycle_status=_LAUNCHED if latest else "Retired",
        category=[
            CatalogRef(id=c.id, href=catalog_href(base_url, "category", c.id), name=c.name)
            for c in catalog.categories
            if c.parent is None
        ],
    )


def _characteristics(spec: Specification) -> list[Document]:
    return [
        {
            "name": c.name,
            "description": c.description or None,
            "valueType": c.value_type.value,
            "configurable": True,
            "minCardinality": 1 if c.required else 0,
            "maxCardinality": 1,
        }
        for c in spec.characteristics
    ]


def _relationship(rel_type: str, target: str, catalog: CatalogVersion, base_url: str) -> Document:
    spec = catalog.spec(target)
    relationship: Document = {
        "id": target,
        "href": specification_href(base_url, "service", target),
        "name": spec.name if spec else None,
        "relationshipType": rel_type,
    }
    return relationship


def service_specification(
    spec: ServiceSpecification, catalog: CatalogVersion, base_url: str = ""
) -> Document:
    """TMF633: a CFS requires RFSs (`serviceSpecRelationship`), an RFS uses resources."""
    uses = [r for r in spec.relationships if r.type == RelationshipType.USES]
    requires = [r for r in spec.relationships if r.type == RelationshipType.REQUIRES]
    return _without_none(
        {
            "id": spec.id,
            "href": specification_href(base_url, "service", spec.id),
            "name": spec.name,
            "description": spec.description or None,
            "version": catalog.version,
            "lifecycleStatus": spec.lifecycle_status.value,
            "isBundle": False,
            "serviceSpecCharacteristic": _characteristics(spec),
            "serviceSpecRelationship": [
                _relationship("requires", r.target, catalog, base_url) for r in requires
            ],
            "resourceSpecification": [
                {
                    "id": r.target,
                    "href": specification_href(base_url, "resource", r.target),
                    "name": _spec_name(catalog, r.target),
                    "version": catalog.version,
                }
                for r in uses
            ],
            "@type": "CustomerFacingServiceSpecification"
            if spec.category.value == "CFS"
            else "ResourceFacingServiceSpecification",
            "@baseType": "ServiceSpecification",
        }
    )


def resource_specification(
    spec: Specification, catalog: CatalogVersion, base_url: str = ""
) -> Document:
    """TMF634: the resources that RFSs use (a router, a SIM card, a set-top box)."""
    used_by = [
        s.id
        for s in catalog.service_specifications
        if any(r.type == RelationshipType.USES and r.target == spec.id for r in s.relationships)
    ]
    return _without_none(
        {
            "id": spec.id,
            "href": specification_href(base_url, "resource", spec.id),
            "name": spec.name,
            "description": spec.description or None,
            "version": catalog.version,
            "lifecycleStatus": spec.lifecycle_status.value,
            "isBundle": False,
            "resourceSpecCharacteristic": [
                {
                    "name": c["name"],
                    "description": c.get("description"),
                    "valueType": c["valueType"],
                    "configurable": True,
                    "minCardinality": c["minCardinality"],
                    "maxCardinality": c["maxCardinality"],
                }
                for c in _characteristics(spec)
            ],
            # Tessera extension: the service specifications that use this resource.
            "usedBy": [
                {"id": s, "href": specification_href(base_url, "service", s)} for s in used_by
            ],
            "@type": "ResourceSpecification",
        }
    )


def service_specifications(catalog: CatalogVersion, base_url: str = "") -> list[Document]:
    return [service_specification(s, catalog, base_url) for s in catalog.service_specifications]


def resource_specifications(catalog: CatalogVersion, base_url: str = "") -> list[Document]:
    return [resource_specification(s, catalog, base_url) for s in catalog.resource_specifications]


def _spec_name(catalog: CatalogVersion, spec_id: str) -> str | None:
    spec = catalog.spec(spec_id)
    return spec.name if spec else None


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
