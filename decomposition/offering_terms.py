"""What resolving an order item reads of its offering: characteristics, allowed values, defaults,
requirements, bundled children, in plain Python objects computed once per catalog version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from decomposition.catalog import (
    CatalogIndex,
    CatalogVersion,
    Channel,
    LifecycleStatus,
    ProductOffering,
    ProductSpecification,
)
from decomposition.characteristics import ValueRule
from decomposition.conditions import Condition

# A characteristic's default when there is none: added products get no value for it.
NO_DEFAULT: Any = object()

# A characteristic of an offering's spec: its name, the rule its values follow, the values the
# offering allows (charValueUse; None: any), and the value an added product gets when the item
# gives none (NO_DEFAULT: no value).
CharUse = tuple[str, ValueRule, list[Any] | None, Any]
# A characteristic that may be required: name, required, requiredWhen, requiredForDecomposition.
Requirable = tuple[str, bool, Condition | None, bool]


@dataclass(frozen=True, slots=True)
class OfferingTerms:
    """What resolving an item reads of an offering and its spec, in plain Python objects.

    Computed once per catalog version (a catalog version never changes): items read these for
    every product, and reading attributes of the pydantic catalog models is slow.
    """

    offering: ProductOffering
    id: str
    name: str
    sellable: bool
    status: LifecycleStatus
    channels: frozenset[Channel]
    spec: ProductSpecification | None  # None for a bundle without a root product
    spec_id: str
    spec_name: str
    chars: tuple[CharUse, ...]  # in spec order
    requirable: tuple[Requirable, ...]
    # Bundled children: key, keys of the siblings it relies on, terms (None: not in catalog).
    children: tuple[tuple[str, tuple[str, ...], OfferingTerms | None], ...]
    known: frozenset[str]  # the characteristics its items may set (own spec and children's)


# Per catalog version (entries go with it), the offerings' terms computed so far by id.
_TERMS: WeakKeyDictionary[CatalogIndex, dict[str, OfferingTerms]] = WeakKeyDictionary()


def terms_by_id(catalog: CatalogVersion) -> dict[str, OfferingTerms]:
    """The terms computed so far for the catalog version, by offering id (see terms_of)."""
    index = catalog.index
    terms = _TERMS.get(index)
    if terms is None:
        terms = _TERMS.setdefault(index, {})
    return terms


def terms_of(
    catalog: CatalogVersion, terms: dict[str, OfferingTerms], offering: ProductOffering
) -> OfferingTerms:
    """The offering's terms, from `terms` (terms_by_id of the catalog) or computed into it."""
    info = terms.get(offering.id)
    if info is None:
        info = terms[offering.id] = _make_terms(catalog, offering)
    return info


def _make_terms(catalog: CatalogVersion, offering: ProductOffering) -> OfferingTerms:
    spec = catalog.product_spec(offering.product_specification or "")
    chars: list[CharUse] = []
    requirable: list[Requirable] = []
    for char in spec.characteristics if spec is not None else ():
        offered = offering.char_value_use.get(char.name)
        default = NO_DEFAULT
        if offered is not None:
            default = char.default if char.default in offered else offered[0]
        elif char.default is not None:
            default = char.default
        chars.append((char.name, ValueRule.of(char), offered, default))
        if char.required or char.required_when is not None or char.required_for_decomposition:
            when = char.required_when
            condition = catalog.condition(when) if when is not None else None
            requirable.append(
                (char.name, char.required, condition, char.required_for_decomposition)
            )
    children: list[tuple[str, tuple[str, ...], OfferingTerms | None]] = []
    known = {c[0] for c in chars}
    for bundled in offering.bundled:
        child = catalog.offering(bundled.offering)
        child_info = _make_terms(catalog, child) if child is not None else None
        children.append((bundled.key, tuple(bundled.relies_on), child_info))
        if child_info is not None:
            known.update(c[0] for c in child_info.chars)
    return OfferingTerms(
        offering=offering,
        id=offering.id,
        name=offering.name,
        sellable=offering.sellable,
        status=offering.lifecycle_status,
        channels=frozenset(offering.channels),
        spec=spec,
        spec_id=spec.id if spec is not None else "",
        spec_name=spec.name if spec is not None else "",
        chars=tuple(chars),
        requirable=tuple(requirable),
        children=tuple(children),
        known=frozenset(known),
    )
