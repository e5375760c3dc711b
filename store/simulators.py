"""Reads and writes of the southbound simulators' state: effects, resources and fault config."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from store import effects
from store.db import session_scope
from store.simulator_tables import SimulatorConfigRecord, SimulatorEffect, SimulatorResource


class ResourceState(StrEnum):
    # Held: the system still holds something for the order, which a cancelled order must undo.
    RESERVED = "reserved"  # port
    ASSIGNED = "assigned"  # IP address
    ACTIVE = "active"  # service, SIM
    SUSPENDED = "suspended"  # service
    DONE = "done"  # port-in
    SHIPPED = "shipped"  # shipment
    BOOKED = "booked"  # appointment
    STARTED = "started"  # billing account
    # Let go.
    RELEASED = "released"
    DEACTIVATED = "deactivated"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    STOPPED = "stopped"


HELD_STATES: frozenset[ResourceState] = frozenset(
    {
        ResourceState.RESERVED,
        ResourceState.ASSIGNED,
        ResourceState.ACTIVE,
        ResourceState.SUSPENDED,
        ResourceState.DONE,
        ResourceState.SHIPPED,
        ResourceState.BOOKED,
        ResourceState.STARTED,
    }
)


def utc_now() -> datetime:
    # Naive UTC, the same on SQLite and PostgreSQL.
    return datetime.now(UTC).replace(tzinfo=None)


# --- Effects ---------------------------------------------------------------------------------


def find_effect(idempotency_key: str) -> SimulatorEffect | None:
    with session_scope() as session:
        return effect_by_key(session, idempotency_key)


def effect_by_key(session: Session, idempotency_key: str) -> SimulatorEffect | None:
    query = select(SimulatorEffect).where(SimulatorEffect.idempotency_key == idempotency_key)
    return session.exec(query).first()


def apply_once(
    effect: SimulatorEffect, apply: Callable[[Session], dict[str, Any]]
) -> tuple[SimulatorEffect, bool]:
    """Apply an effect and record it in one transaction, unless its key is already recorded
    (`store/effects.py`); `apply` changes resources in the given session."""
    return effects.apply_once(effect, find_effect, apply)


def effects_for(order_id: str) -> list[SimulatorEffect]:
    """Every southbound effect applied for an order, oldest first."""
    query = (
        select(SimulatorEffect)
        .where(SimulatorEffect.order_id == order_id)
        .order_by(col(SimulatorEffect.id))
    )
    with session_scope() as session:
        return list(session.exec(query).all())


# --- Resources -------------------------------------------------------------------------------


def add_resource(session: Session, resource: SimulatorResource) -> SimulatorResource:
    session.add(resource)
    return resource


def get_resource(session: Session, resource_id: str) -> SimulatorResource | None:
    return session.get(SimulatorResource, resource_id)


def latest_resource(
    session: Session,
    system: str,
    kind: str,
    order_id: str,
    item_id: str,
    states: Collection[str],
) -> SimulatorResource | None:
    """The newest resource of a kind held for an order item in one of `states`."""
    query = (
        select(SimulatorResource)
        .where(SimulatorResource.system == system)
        .where(SimulatorResource.kind == kind)
        .where(SimulatorResource.order_id == order_id)
        .where(SimulatorResource.item_id == item_id)
        .where(col(SimulatorResource.state).in_(list(states)))
        .order_by(col(SimulatorResource.created_at).desc(), col(SimulatorResource.id).desc())
    )
    return session.exec(query).first()


def active_resources(order_id: str) -> list[SimulatorResource]:
    """What any simulator still holds for an order: empty once the order is fully undone."""
    query = (
        select(SimulatorResource)
        .where(SimulatorResource.order_id == order_id)
        .where(col(SimulatorResource.state).in_([s.value for s in HELD_STATES]))
        .order_by(col(SimulatorResource.created_at), col(SimulatorResource.id))
    )
    with session_scope() as session:
        return list(session.exec(query).all())


def resources_of(system: str, order_id: str | None = None) -> list[SimulatorResource]:
    """A system's resources, oldest first, optionally of one order."""
    query = select(SimulatorResource).where(SimulatorResource.system == system)
    if order_id is not None:
        query = query.where(SimulatorResource.order_id == order_id)
    query = query.order_by(col(SimulatorResource.created_at), col(SimulatorResource.id))
    with session_scope() as session:
        return list(session.exec(query).all())


# --- Fault config ----------------------------------------------------------------------------


def load_configs() -> list[SimulatorConfigRecord]:
    with session_scope() as session:
        return list(session.exec(select(SimulatorConfigRecord)).all())


def save_config(record: SimulatorConfigRecord) -> None:
    with session_scope() as session:
        session.merge(record)


def delete_config(system: str) -> None:
    with session_scope() as session:
        record = session.get(SimulatorConfigRecord, system)
        if record is not None:
            session.delete(record)
