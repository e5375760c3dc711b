"""TMF620/633/634 bodies read as catalog model fields (the YAML form), pure: what a create or a
JSON merge patch sets. Only the fields present are returned, so a merge patch sets no more.

What TM Forum cannot say (a specification's fulfillment `tasks`, its relationships' mappings
and conditions) is given as Tessera extension fields of the same names, in the YAML form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Document = dict[str, Any]
DISCOUNT = "discount"
# TMF633 @type of a service specification -> its category.
SERVICE_TYPES = {
    "CustomerFacingServiceSpecification": "CFS",
    "ResourceFacingServiceSpecification": "RFS",
}


def refs(values: Any) -> list[str]:
    return [v["id"] for v in values or [] if isinstance(v, Mapping) and "id" in v]


def _characteristic(tmf: Mapping[str, Any], values_key: str) -> Document:
    char: Document = {"name": tmf.get("name"), "valueType": tmf.get("valueType", "string")}
    if tmf.get("description"):
        char["description"] = tmf["description"]
    if (tmf.get("minCardinality") or 0) >= 1:
        char["required"] = True
    if tmf.get("regex"):
        char["pattern"] = tmf["regex"]
    values = tmf.get(values_key) or []
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


def is_discount(body: Mapping[str, Any]) -> bool:
    return body.get("priceType") == DISCOUNT


def _offering(body: Mapping[str, Any], out: Document) -> None:
    if "isSellable" in body:
        out["sellable"] = body["isSellable"]
    if "channel" in body:
        out["channels"] = refs(body["channel"])
    if "productSpecification" in body:
        spec = body["productSpecification"]
        out["productSpecification"] = spec.get("id") if isinstance(spec, Mapping) else None
    if "category" in body:
        out["category"] = refs(body["category"])
    if "bundledProductOffering" in body:
        out["bundled"] = [{"key": o, "offering": o} for o in refs(body["bundledProductOffering"])]
    if "prodSpecCharValueUse" in body:
        out["charValueUse"] = {
            u["name"]: [v["value"] for v in u.get("productSpecCharacteristicValue") or []]
            for u in body["prodSpecCharValueUse"] or []
        }


def _price(body: Mapping[str, Any], out: Document) -> None:
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


def _discount(body: Mapping[str, Any], out: Document) -> None:
    """A discount (priceType discount): a percentage or an amount off per unit, on the
    recurring charges when it has a recurring period, else on the one-time charges; only
    through the channels it names (TMF620 v4 prices have no channel: a Tessera extension)."""
    if "percentage" in body:
        out["percentage"] = body["percentage"]
    if "price" in body:
        value = (body["price"] or {}).get("value")
        # Shown as a negative amount (money off); either sign reads as the amount off.
        out["amount"] = None if value is None else abs(float(value))
    if "recurringChargePeriodType" in body:
        out["appliesTo"] = "recurring" if body["recurringChargePeriodType"] else "oneTime"
    if "channel" in body:
        out["channels"] = refs(body["channel"])


def _relationships(body: Mapping[str, Any]) -> list[Document] | None:
    """TMF633 relationships as the catalog's: a CFS requires RFSs, an RFS uses resources."""
    if "relationships" in body:  # the YAML form, with mappings and conditions
        found: list[Document] = list(body["relationships"] or [])
        return found
    if "serviceSpecRelationship" not in body and "resourceSpecification" not in body:
        return None
    return [
        *({"type": "requires", "target": t} for t in refs(body.get("serviceSpecRelationship"))),
        *({"type": "uses", "target": t} for t in refs(body.get("resourceSpecification"))),
    ]


def _specification(resource: str, body: Mapping[str, Any], out: Document) -> None:
    prefix = {
        "productSpecification": "productSpec",
        "serviceSpecification": "serviceSpec",
        "resourceSpecification": "resourceSpec",
    }[resource]
    key = f"{prefix}Characteristic"
    if key in body:
        values_key = f"{prefix}CharacteristicValue"
        out["characteristics"] = [_characteristic(c, values_key) for c in body[key] or []]
    if "tasks" in body:  # Tessera extension, YAML form
        out["tasks"] = body["tasks"]
    if resource == "productSpecification":
        if "productSpecificationRelationship" in body:
            out["reliesOnSpecs"] = [
                r["id"]
                for r in body["productSpecificationRelationship"] or []
                if r.get("relationshipType") == "reliesOn"
            ]
        if "relationships" in body:
            out["relationships"] = body["relationships"]
        return
    if resource == "serviceSpecification":
        if "category" in body:
            out["category"] = body["category"]
        elif body.get("@type") in SERVICE_TYPES:
            out["category"] = SERVICE_TYPES[body["@type"]]
    relationships = _relationships(body)
    if relationships is not None:
        out["relationships"] = relationships


def from_tmf(resource: str, body: Mapping[str, Any]) -> Document:
    """The catalog fields a TMF body sets."""
    out: Document = {k: body[k] for k in ("name", "description", "lifecycleStatus") if k in body}
    if resource == "productOffering":
        _offering(body, out)
    elif resource.endswith("Specification"):
        _specification(resource, body, out)
    elif resource == "productOfferingPrice":
        (_discount if is_discount(body) else _price)(body, out)
    elif resource == "category" and "parentId" in body:
        out["parent"] = body["parentId"]
    return out


def keep_relationship_details(old: list[Document], new: list[Document]) -> list[Document]:
    """A relationship named again over TMF keeps what TMF cannot say (its mapping, condition)."""
    details = {(r.get("type"), r.get("target")): r for r in old}
    return [details.get((r.get("type"), r.get("target")), r) for r in new]
