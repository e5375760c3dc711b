"""Catalog management, pure: TMF620 create / merge-patch / delete applied to a draft catalog
document (the YAML form: camelCase lists of offerings, specifications, prices, categories),
lifecycle rules, and the whole-draft validation that must pass before it is published.

TMF620 fields map onto the catalog model; what TMF620 cannot say (a specification's
fulfillment `tasks` and service `relationships`) is given as Tessera extension fields of the
same names, in the YAML form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from decomposition.catalog import (
    CatalogVersion,
    Category,
    LifecycleStatus,
    PriceSpec,
    ProductOffering,
    ProductSpecification,
)
from decomposition.conditions import ConditionError, parse_condition
from decomposition.decompose import decompose
from tmf.merge_patch import merge_patch
from tmf.product_order import ProductOrderCreate

Document = dict[str, Any]

# TMF620 resource -> (list in the draft document, catalog model of one entity).
RESOURCES: dict[str, tuple[str, type[BaseModel]]] = {
    "productOffering": ("offerings", ProductOffering),
    "productSpecification": ("productSpecifications", ProductSpecification),
    "productOfferingPrice": ("prices", PriceSpec),
    "category": ("categories", Category),
}

# Allowed lifecycle moves: designed, then launched, then retired; never back.
_NEXT = {
    LifecycleStatus.IN_DESIGN: {LifecycleStatus.IN_DESIGN, LifecycleStatus.LAUNCHED},
    LifecycleStatus.LAUNCHED: {LifecycleStatus.LAUNCHED, LifecycleStatus.RETIRED},
    LifecycleStatus.RETIRED: {LifecycleStatus.RETIRED},
}


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
    """The list holding the entity: its resource's, or for a price, its offering's prices."""
    lists = [entities(document, resource)]
    if resource == "productOfferingPrice":
        lists += [o.setdefault("prices", []) for o in entities(document, "productOffering")]
    return next((found for found in lists if any(e.get("id") == entity_id for e in found)), None)


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


# -- TMF620 -> catalog model -------------------------------------------------------------------


def _refs(values: Any) -> list[str]:
    return [v["id"] for v in values or [] if isinstance(v, Mapping) and "id" in v]


def _characteristic(tmf: Mapping[str, Any]) -> Document:
    char: Document = {"name": tmf.get("name"), "valueType": tmf.get("valueType", "string")}
    if tmf.get("description"):
        char["description"] = tmf["description"]
    if tmf.get("minCardinality", 0) >= 1:
        char["required"] = True
    if tmf.get("regex"):
        char["pattern"] = tmf["regex"]
    values = tmf.get("productSpecCharacteristicValue") or []
    listed = [v["value"] for v in values if v.get("value") is not None]
    if listed:
        char["allowedValues"] = listed
        default = next((v["value"] for v in values if v.get("isDefault")), None)
        if default is not None:
            char["default"] = default
    for v in values:
        if v.get("valueFrom") is not None:
            char["minimum"] = v["valueFrom"]
        if v.get("valueTo") is not None:
            char["maximum"] = v["valueTo"]
    return char


def from_tmf(resource: str, body: Mapping[str, Any]) -> Document:
    """The catalog fields a TMF620 body sets (only those present: a merge patch sets no more)."""
    out: Document = {}
    simple = {"name": "name", "description": "description"}
    for tmf_name, name in simple.items():
        if tmf_name in body:
            out[name] = body[tmf_name]
    if resource == "productOffering":
        if "lifecycleStatus" in body:
            out["lifecycleStatus"] = body["lifecycleStatus"]
        if "isSellable" in body:
            out["sellable"] = body["isSellable"]
        if "channel" in body:
            out["channels"] = _refs(body["channel"])
        if "productSpecification" in body:
            spec = body["productSpecification"]
            out["productSpecification"] = spec.get("id") if isinstance(spec, Mapping) else None
        if "category" in body:
            out["category"] = _refs(body["category"])
        if "bundledProductOffering" in body:
            out["bundled"] = [
                {"key": o, "offering": o} for o in _refs(body["bundledProductOffering"])
            ]
        if "prodSpecCharValueUse" in body:
            out["charValueUse"] = {
                u["name"]: [v["value"] for v in u.get("productSpecCharacteristicValue") or []]
                for u in body["prodSpecCharValueUse"] or []
            }
    elif resource == "productSpecification":
        if "productSpecCharacteristic" in body:
            out["characteristics"] = [
                _characteristic(c) for c in body["productSpecCharacteristic"] or []
            ]
        if "productSpecificationRelationship" in body:
            out["reliesOnSpecs"] = [
                r["id"]
                for r in body["productSpecificationRelationship"] or []
                if r.get("relationshipType") == "reliesOn"
            ]
        for extension in ("tasks", "relationships"):  # Tessera extensions, YAML form
            if extension in body:
                out[extension] = body[extension]
    elif resource == "productOfferingPrice":
        if "priceType" in body:
            out["priceType"] = body["priceType"]
        if "price" in body:
            price = body["price"] or {}
            out["amount"] = price.get("value", 0)
            if price.get("unit"):
                out["currency"] = price["unit"]
        if "recurringChargePeriodType" in body:
            out["recurringPeriod"] = body["recurringChargePeriodType"]
        if "unitOfMeasure" in body:
            out["perUnitOf"] = (body["unitOfMeasure"] or {}).get("units")
    elif resource == "category" and "parentId" in body:
        out["parent"] = body["parentId"]
    return out


def _checked(resource: str, entity: Document) -> Document:
    """The entity as its catalog model reads it: a 422 for what it refuses."""
    _, model = RESOURCES[resource]
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


def create(document: Document, resource: str, body: Mapping[str, Any], new_id: str) -> Document:
    if not body.get("name"):
        raise DraftError(422, "InvalidBody", f"a {resource} needs a name")
    entity = {"id": new_id, **from_tmf(resource, body)}
    if resource == "productOffering":
        entity.setdefault("lifecycleStatus", LifecycleStatus.IN_DESIGN.value)
        entity.setdefault("channels", [])
        _attach_prices(document, entity, body)
    if resource == "productOfferingPrice":
        entity.setdefault("priceType", "oneTime")
        entity.setdefault("amount", 0)
        if entity["priceType"] not in {"oneTime", "recurring"}:
            raise DraftError(
                422,
                "InvalidBody",
                "priceType must be oneTime or recurring (discounts belong to an offering)",
            )
        if entity["priceType"] == "recurring":
            entity.setdefault("recurringPeriod", "month")
    checked = _checked(resource, entity)
    entities(document, resource).append(checked)
    return checked


def _attach_prices(document: Document, offering: Document, body: Mapping[str, Any]) -> None:
    """Prices created on their own move into the offering that names them."""
    wanted = _refs(body.get("productOfferingPrice"))
    if not wanted:
        return
    standalone = entities(document, "productOfferingPrice")
    moved = [p for p in standalone if p["id"] in wanted]
    known = {p["id"] for p in offering.get("prices", [])}
    missing = [w for w in wanted if w not in known and all(p["id"] != w for p in moved)]
    if missing:
        raise DraftError(422, "InvalidBody", f"unknown productOfferingPrice {', '.join(missing)}")
    offering["prices"] = [*offering.get("prices", []), *moved]
    document["prices"] = [p for p in standalone if p["id"] not in wanted]


def update(document: Document, resource: str, entity_id: str, patch: Mapping[str, Any]) -> Document:
    entity = find(document, resource, entity_id)
    if entity is None:
        raise DraftError(404, "NotFound", f"No {resource} with id '{entity_id}'")
    if "id" in patch and patch["id"] != entity_id:
        raise DraftError(400, "NonPatchableField", "id cannot be changed")
    changed = merge_patch(entity, from_tmf(resource, patch))
    if resource == "productOffering":
        before = LifecycleStatus(entity.get("lifecycleStatus", LifecycleStatus.LAUNCHED))
        after = LifecycleStatus(changed.get("lifecycleStatus", before))
        if after not in _NEXT[before]:
            raise DraftError(
                409,
                "InvalidLifecycleTransition",
                f"productOffering '{entity_id}' is {before.value}: it cannot become "
                f"{after.value} (In design -> Launched -> Retired)",
            )
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
            f"{resource} '{entity_id}' is published: retire it (lifecycleStatus Retired) instead",
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
    from decomposition.tmf620_orders import sample_order  # the TMF620 view of this catalog

    found: list[str] = []
    for offering in catalog.offerings:
        if not (offering.sellable and offering.orderable):
            continue
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
