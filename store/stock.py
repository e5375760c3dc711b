"""Stock by location: availability and reservation at acceptance, release when an order stops
needing a unit (cancelled, rejected, failed, or the item amended away), decrement at shipment
from the nearest location with stock (decomposition/stock.py decides which)."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from decomposition.stock import (
    Location,
    nearest_with_stock,
    restock_location,
    shortages,
    units_needed,
)
from store.db import session_scope
from store.stock_tables import StockLevel, StockLocation, StockReservation
from tmf.product_order import ItemState, OrderState, ProductOrder, ProductOrderCreate

RESERVED, SHIPPED, RELEASED = "reserved", "shipped", "released"

# The sample catalog's stock: two warehouses and three shops.
SEED_LOCATIONS = [
    StockLocation(id="wh-paris-north", name="Paris Nord warehouse", kind="warehouse",
                  latitude=48.95, longitude=2.36),
    StockLocation(id="wh-lyon", name="Lyon warehouse", kind="warehouse",
                  latitude=45.72, longitude=4.85),
    StockLocation(id="shop-paris-opera", name="Opéra shop", kind="shop",
                  latitude=48.87, longitude=2.33),
    StockLocation(id="shop-marseille", name="Marseille Vieux-Port shop", kind="shop",
                  latitude=43.30, longitude=5.37),
    StockLocation(id="shop-lille", name="Lille Flandres shop", kind="shop",
                  latitude=50.64, longitude=3.07),
]  # fmt: skip
SEED_LEVELS = {
    # Warehouses hold enough for every test and benchmark run; shops a few units.
    "nova-x5": {"wh-paris-north": 100000, "wh-lyon": 100000, "shop-paris-opera": 5},
    "nova-x5-pro": {"wh-lyon": 50, "shop-paris-opera": 2, "shop-marseille": 2},
    "set-top-box": {"wh-paris-north": 100000, "wh-lyon": 100000},
}


class OutOfStock(Exception):
    def __init__(self, skus: list[str]) -> None:
        super().__init__(", ".join(skus))
        self.skus = skus


def ensure_seeded() -> None:
    """The sample stock, written once per database (several processes may race to it)."""
    with session_scope() as session:
        if session.exec(select(StockLocation.id).limit(1)).first() is not None:
            return
    try:
        with session_scope() as session:
            session.add_all([StockLocation.model_validate(loc) for loc in SEED_LOCATIONS])
            session.flush()
            for sku, levels in SEED_LEVELS.items():
                for location, units in levels.items():
                    session.add(StockLevel(sku=sku, location_id=location, on_hand=units))
    except IntegrityError:
        pass  # another process seeded it


def _available(session: Session, skus: set[str]) -> dict[str, int]:
    on_hand = dict(
        session.exec(
            select(StockLevel.sku, func.sum(StockLevel.on_hand))
            .where(col(StockLevel.sku).in_(skus))
            .group_by(col(StockLevel.sku))
        ).all()
    )
    held = dict(
        session.exec(
            select(StockReservation.sku, func.count())
            .where(col(StockReservation.sku).in_(skus), StockReservation.state == RESERVED)
            .group_by(col(StockReservation.sku))
        ).all()
    )
    return {sku: int(on_hand.get(sku) or 0) - int(held.get(sku) or 0) for sku in skus}


def reserve(session: Session, order_id: str, order: ProductOrderCreate) -> None:
    """Hold a unit for every stocked item, in the caller's transaction; OutOfStock (and the
    caller's rollback) when some SKU has too few units at all locations together."""
    needed = units_needed(order)
    if not needed:
        return
    # Serialize reservations of the same SKUs (PostgreSQL); SQLite serializes all writers.
    session.exec(
        select(StockLevel).where(col(StockLevel.sku).in_(set(needed.values()))).with_for_update()
    ).all()
    short = shortages(needed, _available(session, set(needed.values())))
    if short:
        raise OutOfStock(short)
    for item_id, sku in needed.items():
        session.merge(StockReservation(order_id=order_id, item_id=item_id, sku=sku, state=RESERVED))


def release_unneeded(session: Session, order: ProductOrder) -> None:
    """Release held units the order no longer needs: all of a closed order's, and those of
    items amended away or cancelled. Idempotent (a released unit stays released)."""
    held = session.exec(
        select(StockReservation).where(
            StockReservation.order_id == order.id, StockReservation.state == RESERVED
        )
    ).all()
    if not held:
        return
    closed = order.state.is_final or order.state == OrderState.CANCELLED
    still = {
        item_id
        for item_id in units_needed(order)
        if (item := order.item(item_id)) is not None and item.state != ItemState.CANCELLED
    }
    for reservation in held:
        if closed or reservation.item_id not in still:
            reservation.state = RELEASED
            session.add(reservation)


def _new_units(session: Session, order_id: str, order: ProductOrderCreate) -> dict[str, str]:
    """The SKU each item needs that holds no unit yet (an amendment added it), or holds one of
    another SKU (an amendment changed its model), by item id; cancelled items need none."""
    needed = units_needed(order)
    if not needed:
        return {}
    held = {
        r.item_id: r
        for r in session.exec(
            select(StockReservation).where(StockReservation.order_id == order_id)
        ).all()
    }
    items = {i.id: i for i in order.product_order_item}
    new: dict[str, str] = {}
    for item_id, sku in needed.items():
        found = held.get(item_id)
        item = items.get(item_id)
        if item is not None and item.state == ItemState.CANCELLED:
            continue
        if found is None or (found.state == RESERVED and found.sku != sku):
            new[item_id] = sku
    return new


def refuse_unavailable(order_id: str, amended: ProductOrderCreate) -> None:
    """OutOfStock when an amendment adds (or changes to) a unit no location has: the PATCH is
    refused before it reaches the workflow. The unit is held at the order's next snapshot."""
    with session_scope() as session:
        new = _new_units(session, order_id, amended)
        short = shortages(new, _available(session, set(new.values()))) if new else []
    if short:
        raise OutOfStock(short)


def reserve_added(session: Session, order: ProductOrder) -> None:
    """Hold units for items an amendment added (or changed the model of), in the snapshot's
    transaction: the workflow's first snapshot with the item reserves it, and an older one
    (ignored) cannot release it. Availability was checked at the PATCH; a unit taken since
    is not held (the item then ships as one accepted before stock was kept)."""
    if order.state.is_final or order.state == OrderState.CANCELLED:
        return
    new = _new_units(session, order.id, order)
    if not new:
        return
    session.exec(
        select(StockLevel).where(col(StockLevel.sku).in_(set(new.values()))).with_for_update()
    ).all()
    available = _available(session, set(new.values()))
    for item_id, sku in sorted(new.items()):
        if available.get(sku, 0) <= 0:
            continue
        available[sku] -= 1
        session.merge(StockReservation(order_id=order.id, item_id=item_id, sku=sku, state=RESERVED))


def ship_unit(
    session: Session, order_id: str, item_id: str, destination: tuple[float, float] | None
) -> str | None:
    """Take the item's held unit from the nearest location with stock; returns the location,
    or None when the item holds no unit (not stocked, or accepted before stock was kept)."""
    reservation = session.get(StockReservation, (order_id, item_id), with_for_update=True)
    if reservation is None or reservation.state == RELEASED:
        return None
    if reservation.state == SHIPPED:
        return reservation.location_id
    levels = session.exec(
        select(StockLevel).where(StockLevel.sku == reservation.sku).with_for_update()
    ).all()
    locations = [
        Location(loc.id, loc.name, loc.kind, loc.latitude, loc.longitude)
        for loc in session.exec(select(StockLocation)).all()
    ]
    chosen = nearest_with_stock(
        locations, {lv.location_id: lv.on_hand for lv in levels}, destination
    )
    if chosen is None:
        return None  # every unit was counted out by hand meanwhile: ship as before
    level = next(lv for lv in levels if lv.location_id == chosen.id)
    level.on_hand -= 1
    reservation.state, reservation.location_id = SHIPPED, chosen.id
    session.add_all([level, reservation])
    return chosen.id


def return_unit(session: Session, order_id: str, item_id: str) -> None:
    """A cancelled shipment's unit goes back on the shelf it left from."""
    reservation = session.get(StockReservation, (order_id, item_id), with_for_update=True)
    if reservation is None or reservation.state != SHIPPED or reservation.location_id is None:
        return
    level = session.get(StockLevel, (reservation.sku, reservation.location_id))
    if level is not None:
        level.on_hand += 1
        session.add(level)
    reservation.state = RELEASED
    session.add(reservation)


def restock(session: Session, sku: str, origin: tuple[float, float] | None) -> str | None:
    """A returned unit back on the shelf of the warehouse nearest its origin; the location."""
    locations = [
        Location(loc.id, loc.name, loc.kind, loc.latitude, loc.longitude)
        for loc in session.exec(select(StockLocation)).all()
    ]
    chosen = restock_location(locations, origin)
    if chosen is None:
        return None
    level = session.get(StockLevel, (sku, chosen.id), with_for_update=True)
    if level is None:
        level = StockLevel(sku=sku, location_id=chosen.id, on_hand=0)
    level.on_hand += 1
    session.add(level)
    return chosen.id


def set_level(sku: str, location_id: str, units: int) -> None:
    ensure_seeded()
    with session_scope() as session:
        session.merge(StockLevel(sku=sku, location_id=location_id, on_hand=units))


def levels(sku: str) -> dict[str, int]:
    with session_scope() as session:
        rows = session.exec(select(StockLevel).where(StockLevel.sku == sku)).all()
        return {row.location_id: row.on_hand for row in rows}


def reservation_state(order_id: str, item_id: str) -> str | None:
    with session_scope() as session:
        found = session.get(StockReservation, (order_id, item_id))
        return None if found is None else found.state
