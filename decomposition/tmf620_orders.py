"""A sample order for an offering, built from nothing but its TMF620 representation: what a
catalog-driven channel would send. A draft catalog is published only if such an order plans
for every sellable offering (`catalog_draft.draft_problems`)."""

from __future__ import annotations

import re
from typing import Any

from decomposition import tmf620
from decomposition.catalog import CatalogVersion

Document = dict[str, Any]
# Tried in turn for a string characteristic with a pattern.
_PATTERN_SAMPLES = ("1234", "+33612345678", "sample", "A1", "2026-01-01", "x")
_TYPE_SAMPLES: dict[str, Any] = {
    "string": "sample",
    "integer": 1,
    "number": 1,
    "boolean": False,
    "date": "1990-01-01",
}


def _value(char: Document, allowed: list[Any] | None) -> tuple[Any, str | None]:
    if allowed:
        return allowed[0], None
    values = char.get("productSpecCharacteristicValue") or []
    listed = [v for v in values if v.get("value") is not None]
    if listed:
        default = next((v for v in listed if v.get("isDefault")), listed[0])
        return default["value"], None
    ranged = next((v for v in values if v.get("valueFrom") is not None), None)
    if ranged is not None:
        return ranged["valueFrom"], None
    if char.get("regex"):
        sample = next((s for s in _PATTERN_SAMPLES if re.fullmatch(char["regex"], s)), None)
        if sample is None:
            return None, f"no sample value matches the pattern of '{char['name']}'"
        return sample, None
    return _TYPE_SAMPLES.get(char.get("valueType", "string"), "sample"), None


def _characteristics(
    offering: Document, offerings: dict[str, Document], specs: dict[str, Document]
) -> tuple[dict[str, Any], str | None]:
    chars: dict[str, tuple[Document, list[Any] | None]] = {}
    parts = [offering, *(offerings[b["id"]] for b in offering.get("bundledProductOffering", []))]
    for part in parts:
        ref = part.get("productSpecification")
        if ref is None or ref["id"] not in specs:
            continue
        uses = {u["name"]: u for u in part.get("prodSpecCharValueUse", [])}
        for char in specs[ref["id"]].get("productSpecCharacteristic", []):
            use = uses.get(char["name"])
            allowed = [v["value"] for v in use["productSpecCharacteristicValue"]] if use else None
            known = chars.get(char["name"])
            if known is not None and known[1] is not None:
                allowed = [v for v in (allowed or known[1]) if v in known[1]]
            chars[char["name"]] = (char, allowed)
    wanted = {n for n, (c, _) in chars.items() if c.get("minCardinality", 0) >= 1}
    grown = True
    while grown:
        grown = False
        for name, (char, _) in chars.items():
            related = {r["name"] for r in char.get("productSpecCharRelationship", [])}
            if name not in wanted and related & wanted:
                wanted.add(name)
                grown = True
    values: dict[str, Any] = {}
    for name in sorted(wanted):
        value, reason = _value(*chars[name])
        if reason is not None:
            return {}, reason
        values[name] = value
    return values, None


def _item(item_id: str, offering: str, values: dict[str, Any]) -> Document:
    return {
        "id": item_id,
        "action": "add",
        "productOffering": {"id": offering},
        "product": {"productCharacteristic": [{"name": k, "value": v} for k, v in values.items()]},
    }


def sample_order(catalog: CatalogVersion, offering_id: str) -> tuple[Document | None, str]:
    """(order, "") or (None, why no order can be built from TMF620)."""
    offerings = {o.id: o.to_tmf() for o in tmf620.product_offerings(catalog)}
    specs = {s.id: s.to_tmf() for s in tmf620.product_specifications(catalog)}
    offering = offerings[offering_id]
    if not offering.get("channel"):
        return None, "it is sold through no channel"
    channel = offering["channel"][0]["id"]
    values, reason = _characteristics(offering, offerings, specs)
    if reason is not None:
        return None, reason
    items = [_item("1", offering_id, values)]
    relied_on = [
        r["id"]
        for r in offering.get("productOfferingRelationship", [])
        if r["relationshipType"] == "reliesOn"
        and channel in {c["id"] for c in offerings[r["id"]].get("channel", [])}
    ]
    if offering.get("productOfferingRelationship") and not relied_on:
        return None, f"nothing it relies on is sold through the '{channel}' channel"
    if relied_on:
        other = offerings[relied_on[0]]
        other_values, reason = _characteristics(other, offerings, specs)
        if reason is not None:
            return None, reason
        items.append(_item("2", other["id"], other_values))
        items[0]["productOrderItemRelationship"] = [{"id": "2", "relationshipType": "reliesOn"}]
    return {
        "channel": [{"id": channel, "name": channel}],
        "relatedParty": [
            {"id": "catalog-check", "@referredType": "Individual", "role": "customer"}
        ],
        "productOrderItem": items,
    }, ""
