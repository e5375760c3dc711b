"""Stock of physical goods by location: which units an order needs, and where a shipment leaves
from. Pure: the store (store/stock.py) reads the levels and applies the decisions.

A stocked unit is identified by its SKU. Which order items take a unit is a rule per offering
(`STOCKED_OFFERINGS`): a handset takes the unit of its `model`; an IPTV item a set-top box.
Services, SIM cards made on demand and equipment held by partners are not stocked here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from tmf.product_order import ItemAction, ProductOrderCreate, ProductOrderItem

# offering id -> the characteristic whose value is the SKU, or a fixed SKU ("=sku").
STOCKED_OFFERINGS: dict[str, str] = {
    "handset-nova-x5": "model",
    "iptv": "=set-top-box",
}


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    kind: str  # warehouse | shop
    latitude: float
    longitude: float


# A return whose remedy ships a replacement ahead takes a unit like an added item (its item
# names the offering and the model: api/returns.py).
SHIPPED_AHEAD_RETURNS = frozenset({"exchange", "replacement"})


def _takes_a_unit(item: ProductOrderItem) -> bool:
    if item.action == ItemAction.ADD:
        return True
    if item.action != ItemAction.DELETE or item.product is None:
        return False
    return item.product.characteristic_values().get("returnType") in SHIPPED_AHEAD_RETURNS


def units_needed(order: ProductOrderCreate) -> dict[str, str]:
    """The SKU each added item (or shipped-ahead return) of the order takes from stock, by
    item id."""
    needed: dict[str, str] = {}
    for item in order.product_order_item:
        offering = item.product_offering.id if item.product_offering else None
        rule = STOCKED_OFFERINGS.get(offering or "")
        if rule is None or not _takes_a_unit(item):
            continue
        if rule.startswith("="):
            needed[item.id] = rule[1:]
            continue
        value = item.product.characteristic_values().get(rule) if item.product else None
        if isinstance(value, str) and value:
            needed[item.id] = value
    return needed


def shortages(needed: Mapping[str, str], available: Mapping[str, int]) -> list[str]:
    """The SKUs of which fewer units are available (all locations together) than needed."""
    counts = Counter(needed.values())
    return sorted(sku for sku, count in counts.items() if available.get(sku, 0) < count)


# Approximate centres of the départements our sample customers and locations are in: a
# shipment's destination is placed by its address's postcode. Enough to rank locations.
DEPARTMENT_CENTRES: dict[str, tuple[float, float]] = {
    "75": (48.86, 2.35),  # Paris
    "92": (48.85, 2.22),
    "93": (48.91, 2.48),
    "94": (48.78, 2.45),
    "69": (45.76, 4.84),  # Lyon
    "13": (43.30, 5.37),  # Marseille
    "33": (44.84, -0.58),  # Bordeaux
    "59": (50.63, 3.06),  # Lille
    "31": (43.60, 1.44),  # Toulouse
    "67": (48.57, 7.75),  # Strasbourg
    "44": (47.22, -1.55),  # Nantes
}
POSTCODE = re.compile(r"\b(\d{5})\b")


def destination_of(address: str | None) -> tuple[float, float] | None:
    """Where an address is, from its postcode; None when it cannot be placed."""
    match = POSTCODE.search(address or "")
    return DEPARTMENT_CENTRES.get(match.group(1)[:2]) if match else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def nearest_with_stock(
    locations: list[Location],
    on_hand: Mapping[str, int],
    destination: tuple[float, float] | None,
    quantity: int = 1,
) -> Location | None:
    """The location a shipment leaves from: the nearest one holding `quantity` units; with no
    known destination, the one holding the most. Ties go to the smaller id (stable answers)."""
    stocked = [loc for loc in locations if on_hand.get(loc.id, 0) >= quantity]
    if not stocked:
        return None
    if destination is None:
        return min(stocked, key=lambda loc: (-on_hand[loc.id], loc.id))
    return min(
        stocked,
        key=lambda loc: (distance_km(destination, (loc.latitude, loc.longitude)), loc.id),
    )


def restock_location(
    locations: list[Location], destination: tuple[float, float] | None
) -> Location | None:
    """Where a returned unit goes back on the shelf: the warehouse nearest to where it came
    from (any location when there is no warehouse); the first by id with no known origin."""
    pool = [loc for loc in locations if loc.kind == "warehouse"] or list(locations)
    if not pool:
        return None
    if destination is None:
        return min(pool, key=lambda loc: loc.id)
    return min(
        pool, key=lambda loc: (distance_km(destination, (loc.latitude, loc.longitude)), loc.id)
    )
