"""A channel that builds orders from nothing but the TMF620 representation of the catalog.

It reads an offering, its specification's characteristics (cardinality, values, ranges,
patterns, `dependsOn` relationships), the offering's value uses, its `productOfferingRelationship`
(`reliesOn`) and, for a bundle, its bundled offerings; then draws an order that it believes
valid. Used by property tests: such an order must be accepted and plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hypothesis import strategies as st

Document = dict[str, Any]
ADDRESS_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz 0123456789", min_size=3, max_size=20)


class Tmf620Catalog:
    def __init__(self, offerings: list[Document], specifications: list[Document]) -> None:
        self.offerings = {o["id"]: o for o in offerings}
        self.specifications = {s["id"]: s for s in specifications}

    def sellable(self) -> list[str]:
        return [
            o["id"]
            for o in self.offerings.values()
            if o.get("isSellable", True) and o.get("lifecycleStatus") == "Launched"
        ]

    def characteristics(self, offering: Document) -> list[tuple[Document, list[Any] | None]]:
        """(spec characteristic, values the offering allows or None) of one simple offering."""
        spec_ref = offering.get("productSpecification")
        if spec_ref is None:
            return []
        spec = self.specifications[spec_ref["id"]]
        uses = {u["name"]: u for u in offering.get("prodSpecCharValueUse", [])}
        found = []
        for char in spec.get("productSpecCharacteristic", []):
            use = uses.get(char["name"])
            allowed = [v["value"] for v in use["productSpecCharacteristicValue"]] if use else None
            found.append((char, allowed))
        return found

    def components(self, offering: Document) -> list[Document]:
        """The offering itself, and for a bundle each bundled offering."""
        children = [self.offerings[b["id"]] for b in offering.get("bundledProductOffering", [])]
        return [offering, *children]


def _one_line(text: str) -> bool:
    return "\n" not in text


def _value(char: Document, allowed: list[Any] | None) -> st.SearchStrategy[Any]:
    if allowed:
        return st.sampled_from(allowed)
    values = char.get("productSpecCharacteristicValue", [])
    listed = [v["value"] for v in values if v.get("value") is not None]
    if listed:
        return st.sampled_from(listed)
    ranged = next((v for v in values if "valueFrom" in v or "valueTo" in v), None)
    kind = char["valueType"]
    if ranged is not None:
        low, high = int(ranged.get("valueFrom", 0)), int(ranged.get("valueTo", 100))
        return st.integers(low, min(high, low + 5))  # small: a site count makes tasks
    if char.get("regex"):
        pattern: str = char["regex"]
        return st.from_regex(pattern, fullmatch=True).filter(_one_line)
    if kind == "integer":
        return st.integers(1, 5)
    if kind == "number":
        return st.floats(1, 100, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "date":
        return st.dates(date(1930, 1, 1), date(2005, 12, 31)).map(date.isoformat)
    return ADDRESS_TEXT


@st.composite
def characteristics_for(
    draw: st.DrawFn, catalog: Tmf620Catalog, offering: Document
) -> dict[str, Any]:
    """Values for every characteristic needed (minCardinality >= 1, and those depending on
    one given), and some of the optional ones; one value per name across a bundle's parts."""
    chars: dict[str, tuple[Document, list[Any] | None]] = {}
    for part in catalog.components(offering):
        for char, allowed in catalog.characteristics(part):
            known = chars.get(char["name"])
            if known is not None and known[1] is not None and allowed is not None:
                allowed = [v for v in allowed if v in known[1]]
            elif known is not None and allowed is None:
                allowed = known[1]
            chars[char["name"]] = (char, allowed)
    wanted = {n for n, (c, _) in chars.items() if c.get("minCardinality", 0) >= 1}
    wanted |= {n for n in chars if draw(st.booleans())}
    # A characteristic required depending on another one comes with it.
    changed = True
    while changed:
        changed = False
        for name, (char, _) in chars.items():
            related = {r["name"] for r in char.get("productSpecCharRelationship", [])}
            if name not in wanted and related & wanted:
                wanted.add(name)
                changed = True
    return {n: draw(_value(*chars[n])) for n in sorted(wanted)}


def item(item_id: str, offering: str, values: Mapping[str, Any]) -> Document:
    return {
        "id": item_id,
        "action": "add",
        "productOffering": {"id": offering},
        "product": {"productCharacteristic": [{"name": k, "value": v} for k, v in values.items()]},
    }


@st.composite
def bundle_item(draw: st.DrawFn, catalog: Tmf620Catalog, offering: Document) -> Document:
    """A bundle in the nested TMF622 form: one child item per bundled offering, each with the
    values its own offering needs."""
    children = [
        item(f"1.{n}", child["id"], draw(characteristics_for(catalog, child)))
        for n, child in enumerate(catalog.components(offering)[1:], start=1)
    ]
    return {
        "id": "1",
        "action": "add",
        "productOffering": {"id": offering["id"]},
        "productOrderItem": children,
    }


@st.composite
def order_for(draw: st.DrawFn, catalog: Tmf620Catalog, offering_id: str) -> Document:
    """An order for the offering, with an item for each offering it relies on; a bundle in the
    flattened or the nested form."""
    offering = catalog.offerings[offering_id]
    channel = draw(st.sampled_from([c["id"] for c in offering["channel"]]))
    if offering.get("bundledProductOffering") and draw(st.booleans()):
        first = draw(bundle_item(catalog, offering))
    else:
        first = item("1", offering_id, draw(characteristics_for(catalog, offering)))
    items = [first]
    relied_on = [
        r["id"]
        for r in offering.get("productOfferingRelationship", [])
        if r["relationshipType"] == "reliesOn"
        and channel in {c["id"] for c in catalog.offerings[r["id"]]["channel"]}
    ]
    if relied_on:
        other = catalog.offerings[draw(st.sampled_from(relied_on))]
        items.append(item("2", other["id"], draw(characteristics_for(catalog, other))))
        items[0]["productOrderItemRelationship"] = [{"id": "2", "relationshipType": "reliesOn"}]
    return {
        "channel": [{"id": channel, "name": channel}],
        "relatedParty": [{"id": "cust-tmf620", "@referredType": "Individual", "role": "customer"}],
        "productOrderItem": items,
    }
