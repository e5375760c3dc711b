"""The pure stock rules: where a shipment leaves from, what an order lacks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from decomposition.stock import (
    Location,
    destination_of,
    distance_km,
    nearest_with_stock,
    shortages,
)

coords = st.tuples(st.floats(41.0, 51.0), st.floats(-5.0, 9.0))
locations = st.lists(
    st.builds(
        Location,
        id=st.text("abcdef", min_size=1, max_size=4),
        name=st.just("x"),
        kind=st.sampled_from(["warehouse", "shop"]),
        latitude=st.floats(41.0, 51.0),
        longitude=st.floats(-5.0, 9.0),
    ),
    max_size=8,
    unique_by=lambda loc: loc.id,
)


@given(locations, st.data(), coords, st.integers(1, 3))
def test_the_shipment_leaves_from_the_nearest_location_that_has_enough(
    places: list[Location], data: st.DataObject, destination: tuple[float, float], quantity: int
) -> None:
    on_hand = {loc.id: data.draw(st.integers(0, 4)) for loc in places}

    chosen = nearest_with_stock(places, on_hand, destination, quantity)

    stocked = [loc for loc in places if on_hand[loc.id] >= quantity]
    if not stocked:
        assert chosen is None
        return
    assert chosen is not None and on_hand[chosen.id] >= quantity
    far = distance_km(destination, (chosen.latitude, chosen.longitude))
    assert all(distance_km(destination, (loc.latitude, loc.longitude)) >= far for loc in stocked)


@given(locations, st.data())
def test_without_a_destination_the_best_stocked_location_ships(
    places: list[Location], data: st.DataObject
) -> None:
    on_hand = {loc.id: data.draw(st.integers(0, 4)) for loc in places}

    chosen = nearest_with_stock(places, on_hand, None)

    if chosen is None:
        assert all(units == 0 for units in on_hand.values())
    else:
        assert on_hand[chosen.id] == max(on_hand.values())


@given(st.dictionaries(st.text("12", min_size=1), st.sampled_from(["a", "b", "c"])), st.data())
def test_a_shortage_is_a_sku_with_fewer_units_than_items(
    needed: dict[str, str], data: st.DataObject
) -> None:
    available = {sku: data.draw(st.integers(0, 4)) for sku in ("a", "b", "c")}

    short = shortages(needed, available)

    for sku in ("a", "b", "c"):
        wanted = sum(1 for s in needed.values() if s == sku)
        assert (sku in short) == (wanted > available[sku])


def test_addresses_are_placed_by_their_postcode() -> None:
    paris = destination_of("12 Rue de la Paix, 75002 Paris")
    marseille = destination_of("1 Quai du Port, 13002 Marseille")
    assert paris is not None and marseille is not None
    assert 600 < distance_km(paris, marseille) < 700
    assert destination_of("somewhere without a postcode") is None
