"""Stock of physical goods by location (warehouses and shops), and the units orders hold."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class StockLocation(SQLModel, table=True):
    __tablename__ = "stock_location"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # warehouse | shop
    latitude: float
    longitude: float


class StockLevel(SQLModel, table=True):
    """Units of a SKU on hand at a location."""

    __tablename__ = "stock_level"

    sku: str = Field(primary_key=True, max_length=100)
    location_id: str = Field(primary_key=True, foreign_key="stock_location.id", max_length=64)
    on_hand: int = 0


class StockReservation(SQLModel, table=True):
    """A unit an order item holds from acceptance on: reserved, then shipped or released.

    Reserved against the SKU's total, not a location: the location is chosen when the unit
    ships (the nearest one with stock then)."""

    __tablename__ = "stock_reservation"

    order_id: str = Field(primary_key=True, max_length=64)
    item_id: str = Field(primary_key=True, max_length=200)
    sku: str = Field(index=True, max_length=100)
    state: str = Field(index=True, max_length=16)  # reserved | shipped | released
    location_id: str | None = Field(default=None, max_length=64)  # where it shipped from
