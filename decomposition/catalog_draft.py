"""Catalog management, pure: TMF620/633/634 create / merge-patch / delete applied to a draft
catalog document (the YAML form: camelCase lists of offerings, specifications, prices,
discounts, categories), lifecycle moves (decomposition/lifecycle.py), and the whole-draft
validation that must pass before it is published. TMF bodies are read in `catalog_input.py`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from decomposition import lifecycle
from decomposition.catalog import (
    CatalogVersion,
    Category,
    DiscountRule,
    LifecycleStatus,
    PriceSpec,
    ProductOffering,
    ProductSpecification,
    ResourceSpecification,
    ServiceSpecification,
)
from decomposition.catalog_input import from_tmf, is_discount, keep_relationship_details, refs
from decomposition.conditions import ConditionError, parse_condition
from decomposition.decompose import decompose
from tmf.merge_patch import merge_patch
from tmf.product_order import ProductOrderCreate

Document = dict[str, Any]
IN_DESIGN = LifecycleStatus.IN_DESIGN.value

# TMF resource -> (list in the draft document, catalog model of one entity).
RESOURCES: dict[str, tuple[str, type[BaseModel]]] = {
    "productOffering": ("offerings", ProductOffering),
    "productSpecification": ("productSpecifications", ProductSpecification),
    "productOfferingPrice": ("prices", PriceSpec),
    "category": ("categories", Category),
    "serviceSpecification": ("serviceSpecifications", ServiceSpecification),
    "resourceSpecification": ("resourceSpecifications", ResourceSpecification),
}
DISCOUNTS = "discounts"  # a productOfferingPrice of priceType discount: a DiscountRule


class DraftError(ValueError):
    """A change the draft refuses: `status` is the HTTP status it means."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


def new_draft(base: CatalogVersion) -> Document:
    """A draft starting as a copy of a published version."""
    return base.model_dump(mode="json", by_alias=True, exclude_none=True)


def entities(document: Document, resource: str) -> list[Document]:
    key, _ = RESOURCES[resource]
    found: list[Document] = document.setdefault(key, [])
    return found


def _holder(document: Document, resource: str, entity_id: str) -> list[Document] | None:
    """The list holding the entity: its resource's, or for a price or discount, also the
    standalone discounts and each offering's prices and discounts."""
    lists = [entities(document, resource)]
    if resource == "productOfferingPrice":
        lists.append(document.setdefault(DISCOUNTS, []))
        for offering in entities(document, "productOffering"):
            lists += [offering.setdefault("prices", []), offering.setdefault(DISCOUNTS, [])]
    return next((found for found in lists if any(e.get("id") == entity_id for e in found)), None)


def _is_discount_entity(entity: Document) -> bool:
    return "appliesTo" in entity


def find(document: Document, resource: str, entity_id: str) -> Document | None:
    holder = _holder(document, resource, entity_id)
    if holder is None:
        return None
    return next(e for e in holder if e.get("id") == entity_id)


def slug_id(name: str, suffix: str) -> str:
    """An id from a name: lower case, hyphens, a suffix for uniqueness (`^[a-z][a-z0-9-]*$`)."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    base = "-".join(words)[:40].strip("-") or "entity"
    if not base[0].isalpha():
        base = f"x-{base}"
    return f"{base}-{suffix}"


def _checked(resource: str, entity: Document) -> Document:
    """The entity as its catalog model reads it: a 422 for what it refuses."""
    _, model = RESOURCES[resource]
    if resource == "productOfferingPrice" and _is_discount_entity(entity):
        model = DiscountRule
    try:
        valid = model.model_validate(entity)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DraftError(422, "InvalidBody", f"{resource}: {where}: {first['msg']}") from None
    for text in _conditions(entity):
        try:
            parse_condition(text)
        except ConditionError as err:
            raise DraftError(422, "InvalidBody", f"{resource} '{entity['id']}': {err}") from None
    return valid.model_dump(mode="json", by_alias=True, exclude_none=True)


def _conditions(entity: Document) -> list[str]:
    texts = [c.get("requiredWhen") for c in entity.get("characteristics", [])]
    texts += [r.get("condition") for r in entity.get("relationships", [])]
    texts += [p.get("condition") for p in entity.get("prices", [])]
    texts.append(entity.get("condition"))
    return [t for t in texts if isinstance(t, str)]


# -- changes -----------------------------------------------------------------------------------


def _lifecycle(resource: str, entity_id: str, before: LifecycleStatus, after: Any) -> None:
    try:
        wanted = LifecycleStatus(after)
    except ValueError:
        known = ", ".join(s.value for s in LifecycleStatus)
        raise DraftError(422, "InvalidBody", f"lifecycleStatus must be one of {known}") from None
    problem = lifecycle.move_problem(resource, before, wanted)
    if problem is not None:
        raise DraftError(
            409,
            "InvalidLifecycleTransition",
            f"{resource} '{entity_id}' cannot become {wanted.value}: {problem}",
        )


def create(document: Document, resource: str, body: Mapping[str, Any], new_id: str) -> Document:
    if not body.get("name"):
        raise DraftError(422, "InvalidBody", f"a {resource} needs a name")
    entity = {"id": new_id, **from_tmf(resource, body)}
    # Everything starts In design, and is tested before it is used.
    _lifecycle(
        resource, new_id, LifecycleStatus.IN_DESIGN, entity.get("lifecycleStatus", IN_DESIGN)
    )
    entity["lifecycleStatus"] = IN_DESIGN
    key, _ = RESOURCES[resource]
    if resource == "productOffering":
        entity.setdefault("channels", [])
        _attach_prices(document, entity, body)
    elif resource == "serviceSpecification":
        entity.setdefault("category", "CFS")
    elif resource == "productOfferingPrice" and is_discount(body):
        entity.setdefault("appliesTo", "oneTime")
        key = DISCOUNTS
    elif resource == "productOfferingPrice":
        entity.setdefault("priceType", "oneTime")
        entity.setdefault("amount", 0)
        if entity["priceType"] not in {"oneTime", "recurring"}:
            raise DraftError(422, "InvalidBody", "priceType must be oneTime, recurring or discount")
        if entity["priceType"] == "recurring":
            entity.setdefault("recurringPeriod", "month")
    checked = _checked(resource, entity)
    document.setdefault(key, []).append(checked)
    return checked


def _attach_prices(document: Document, offering: Document, body: Mapping[str, Any]) -> None:
    """Prices and discounts created on their own move into the offering that names them."""
    wanted = refs(body.get("productOfferingPrice"))
    if not wanted:
        return
    known = {p["id"] for p in [*offering.get("prices", []), *offering.get(DISCOUNTS, [])]}
    found: set[str] = set()
    for key in ("prices", DISCOUNTS):
        standalone = document.setdefault(key, [])
        moved = [p for p in standalone if p["id"] in wanted]
        offering[key] = [*offering.get(key, []), *moved]
        document[key] = [p for p in standalone if p["id"] not in wanted]
        found |= {p["id"] for p in moved}
    missing = [w for w in wanted if w not in known | found]
    if missing:
        raise DraftError(422, "InvalidBody", f"unknown productOfferingPrice {', '.join(missing)}")


def update(document: Document, resource: str, entity_id: str, patch: Mapping[str, Any]) -> Document:
    entity = find(document, resource, entity_id)
    if entity is None:
        raise DraftError(404, "NotFound", f"No {resource} with id '{entity_id}'")
    if "id" in patch and patch["id"] != entity_id:
        raise DraftError(400, "NonPatchableField", "id cannot be changed")
    discount = resource == "productOfferingPrice" and _is_discount_entity(entity)
    if resource == "productOfferingPrice" and "priceType" in patch:
        if is_discount(patch) != discount:
            raise DraftError(
                400, "NonPatchableField", "a price cannot become a discount, nor the reverse"
            )
    # A discount's fields are read as a discount's, whether the patch repeats its type or not.
    fields = from_tmf(resource, {**patch, "priceType": "discount"} if discount else patch)
    if "relationships" in fields and "relationships" not in patch:
        fields["relationships"] = keep_relationship_details(
            entity.get("relationships", []), fields["relationships"]
        )
    changed = merge_patch(entity, fields)
    default = LifecycleStatus.LAUNCHED if resource == "productOffering" else LifecycleStatus.ACTIVE
    before = LifecycleStatus(entity.get("lifecycleStatus", default))
    _lifecycle(resource, entity_id, before, changed.get("lifecycleStatus", before))
    if resource == "productOffering":
        _attach_prices(document, changed, patch)
    checked = _checked(resource, changed)
    holder = _holder(document, resource, entity_id)
    assert holder is not None
    holder[holder.index(entity)] = checked
    return checked


def delete(document: Document, resource: str, entity_id: str, published: bool) -> Document:
    """Only what was never published goes: a published offering is retired instead (its
    products in inventory still change and disconnect)."""
    entity = find(document, resource, entity_id)
    if entity is None:
        raise DraftError(404, "NotFound", f"No {resource} with id '{entity_id}'")
    if published:
        raise DraftError(
            409,
            "Published",
            f"{resource} '{entity_id}' is published: retire it (lifecycleStatus Retired), "
            "then make it Obsolete, instead",
        )
    holder = _holder(document, resource, entity_id)
    assert holder is not None
    holder.remove(entity)
    return entity


# -- validation of the whole draft -----------------------------------------------------------------


def draft_problems(document: Document, version: str) -> list[str]:
    """Why the draft cannot be published: references, rules and conditions (the catalog's own
    checks), and every sellable offering must plan an order built from TMF620 alone."""
    try:
        catalog = CatalogVersion.model_validate({**document, "version": version})
    except ValidationError as err:
        problems: list[str] = []
        for error in err.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.extend(line.lstrip("- ") for line in message.splitlines() if line.strip())
        return [p for p in problems if p != "invalid catalog:"]
    found = lifecycle.lifecycle_problems(catalog)
    launched = [o for o in catalog.offerings if o.sellable and o.orderable]
    return found + _plan_problems(catalog, launched)


def _plan_problems(catalog: CatalogVersion, offerings: list[ProductOffering]) -> list[str]:
    """Why a sample order of each offering, built from TMF620 alone, does not plan."""
    from decomposition.tmf620_orders import sample_order  # the TMF620 view of this catalog

    found: list[str] = []
    for offering in offerings:
        spec = catalog.product_spec(offering.product_specification or "")
        if spec is not None and "add" not in {a.value for a in spec.tasks} and not offering.bundled:
            found.append(f"offering '{offering.id}': its specification has no add tasks")
            continue
        body, reason = sample_order(catalog, offering.id)
        if body is None:
            found.append(f"offering '{offering.id}': {reason}")
            continue
        result = decompose(ProductOrderCreate.model_validate(body), catalog)
        found.extend(f"offering '{offering.id}': {p.reason}" for p in result.problems)
    return found


def launch_problems(document: Document, version: str) -> list[str]:
    """What would stop the offerings In test once Launched (they do not block publishing:
    they are being tested): the draft with them launched, checked as a whole."""
    testing = {
        o["id"]
        for o in document.get("offerings", [])
        if o.get("lifecycleStatus") == LifecycleStatus.IN_TEST.value and o.get("sellable", True)
    }
    if not testing:
        return []
    trial = copy.deepcopy(document)
    for offering in trial.get("offerings", []):
        if offering["id"] in testing:
            offering["lifecycleStatus"] = LifecycleStatus.LAUNCHED.value
    problems = draft_problems(trial, version)
    return [p for p in problems if any(f"'{offering_id}'" in p for offering_id in testing)]
