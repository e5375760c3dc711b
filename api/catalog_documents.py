"""The catalog as TMF620/633/634 documents: each published version (converted once), and the
caller's draft. Reads show the latest published version plus what exists only in the caller's
own draft (not orderable); `version=draft` shows the caller's whole draft."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from config.settings import get_settings
from decomposition import tmf620, tmf620_structure
from decomposition.catalog import (
    CatalogDefaults,
    CatalogVersion,
    Category,
    DiscountRule,
    PriceSpec,
    ProductOffering,
    ProductSpecification,
    ResourceSpecification,
    ServiceSpecification,
)
from store.catalog_admin import Draft, get_draft, last_updates, published, published_marker
from store.catalog_files import version_modified_at
from store.catalogs import catalog_repository
from tmf.common import TmfModel

Document = dict[str, Any]
DRAFT = "draft"
# Resources the process admin edits: their documents carry lastUpdate.
EDITABLE = (
    "productOffering",
    "productSpecification",
    "productOfferingPrice",
    "category",
    "serviceSpecification",
    "resourceSpecification",
)


def _documents(models: Iterable[TmfModel]) -> list[Document]:
    return [m.to_tmf() for m in models]


def version_documents(version: CatalogVersion, latest: bool, base_url: str) -> dict[str, Any]:
    return {
        "productOffering": _documents(tmf620.product_offerings(version, base_url)),
        "productSpecification": _documents(tmf620.product_specifications(version, base_url)),
        "productOfferingPrice": _documents(tmf620.product_offering_prices(version, base_url)),
        "category": _documents(tmf620_structure.categories(version, base_url)),
        "catalog": [tmf620_structure.catalog_of(version, latest, base_url).to_tmf()],
        "serviceSpecification": tmf620_structure.service_specifications(version, base_url),
        "resourceSpecification": tmf620_structure.resource_specifications(version, base_url),
    }


def _with_last_update(
    documents: dict[str, Any], updates: dict[str, Any], default: str | None = None
) -> dict[str, Any]:
    """lastUpdate: when the entity was last edited, else when its version was made."""
    for resource in EDITABLE:
        for document in documents[resource]:
            when = updates.get(f"{resource}/{document['id']}", default)
            if when is not None:
                document["lastUpdate"] = when
    return documents


def _made_at(directory: str, name: str) -> str | None:
    row = next((r for r in published() if r.version == name), None)
    if row is not None:
        return row.published_at.isoformat(timespec="milliseconds") + "Z"
    return version_modified_at(directory, name)


@lru_cache(maxsize=4)
def _published(
    directory: str, marker: tuple[Any, ...], base_url: str
) -> tuple[str, dict[str, dict[str, Any]]]:
    repository = catalog_repository()
    updates = last_updates() if marker[0] else {}
    latest = repository.latest.version
    return latest, {
        name: _with_last_update(
            version_documents(repository.get(name), name == latest, base_url),
            updates,
            _made_at(directory, name),
        )
        for name in repository.versions
    }


def published_documents(base_url: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """(latest version, documents by version and resource)."""
    # Converted again only when a version is published (or the catalog directory changes).
    return _published(get_settings().catalog_dir, published_marker(), base_url)


def draft_catalog(document: Document, version: str) -> CatalogVersion:
    """The draft as a catalog model, entity by entity, without the whole-catalog checks (it
    may not pass them yet): enough to render its entities."""

    def parse(key: str, model: type[Any]) -> list[Any]:
        found = []
        for entity in document.get(key, []):
            try:
                found.append(model.model_validate(entity))
            except ValidationError:
                continue  # each entity was checked when written; an old one may not be
        return found

    return CatalogVersion.model_construct(
        version=version,
        description=document.get("description", ""),
        defaults=CatalogDefaults.model_validate(document.get("defaults", {})),
        categories=parse("categories", Category),
        prices=parse("prices", PriceSpec),
        discounts=parse("discounts", DiscountRule),
        offerings=parse("offerings", ProductOffering),
        product_specifications=parse("productSpecifications", ProductSpecification),
        service_specifications=parse("serviceSpecifications", ServiceSpecification),
        resource_specifications=parse("resourceSpecifications", ResourceSpecification),
    )


def draft_documents(draft: Draft, base_url: str) -> dict[str, Any]:
    documents = version_documents(draft_catalog(draft.document, DRAFT), False, base_url)
    for entity in documents["catalog"]:
        entity["lifecycleStatus"] = draft.lifecycle_status
    latest, _ = published_documents(base_url)
    return _with_last_update(
        documents, draft.last_update, _made_at(get_settings().catalog_dir, latest)
    )


def documents_for(version: str | None, base_url: str, author: str | None) -> dict[str, Any] | None:
    """The documents a read shows (`author`: the caller, whose draft it may see); None for an
    unknown version."""
    latest, published = published_documents(base_url)
    draft = get_draft(author)
    if version == DRAFT:
        return draft_documents(draft, base_url) if draft is not None else None
    if version is not None and version != latest:
        return published.get(version)
    shown = {resource: list(docs) for resource, docs in published[latest].items()}
    if draft is None:
        return shown
    drafted = draft_documents(draft, base_url)
    for resource in EDITABLE:
        known = {d["id"] for d in shown[resource]}
        shown[resource] += [d for d in drafted[resource] if d["id"] not in known]
    return shown


def known_versions(base_url: str, author: str | None) -> list[str]:
    _, published = published_documents(base_url)
    return [*published, *([DRAFT] if get_draft(author) is not None else [])]
