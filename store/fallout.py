"""Reads and writes of fallout cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from store.db import session_scope
from store.fallout_tables import FalloutCase
from tmf.common import iso_z

# A retried case is `retrying` until the retry's outcome is known: resolved, or open again.
STATES = ("open", "inProgress", "retrying", "resolved")
UNRESOLVED = ("open", "inProgress", "retrying")


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _stamp(moment: datetime | None = None) -> str:
    """A note's time (naive times in the store are UTC), ISO 8601 with `Z` as the API shows."""
    return iso_z(moment or datetime.now(UTC))


def record_failure(case: FalloutCase, failure_key: str) -> FalloutCase:
    """Open the case, or reopen it when a retry failed again; a repeated call changes nothing."""
    with session_scope() as session:
        existing = session.get(FalloutCase, case.id, with_for_update=True)
        if existing is None:
            case.notes = [
                {
                    "key": failure_key,
                    "event": "opened",
                    "message": case.message,
                    "date": _stamp(case.last_failure),
                    "author": case.system,
                }
            ]
            session.add(case)
            return case
        if any(n.get("key") == failure_key for n in existing.notes):
            return existing  # this failure is already recorded
        existing.state = "open"
        existing.resolution = None
        existing.failures += 1
        existing.attempts += case.attempts
        existing.error_type = case.error_type
        existing.message = case.message
        existing.last_failure = _naive(case.last_failure)
        existing.notes = [
            *existing.notes,
            {
                "key": failure_key,
                "event": "failed again",
                "message": case.message,
                "date": _stamp(case.last_failure),
                "author": case.system,
            },
        ]
        session.add(existing)
        return existing


def record_decision(
    case_id: str,
    decision_key: str,
    action: str,
    actor: str,
    note: str | None,
    state: str,
    assignee: str | None = None,
) -> tuple[FalloutCase | None, bool]:
    """The case after the decision, and whether this call resolved it (a repeated call, with a
    key already recorded, changes nothing and resolves nothing)."""
    with session_scope() as session:
        case = session.get(FalloutCase, case_id, with_for_update=True)
        if case is None or any(n.get("key") == decision_key for n in case.notes):
            return case, False
        # The workflow calls a retry resolved; the case waits for the retry's outcome.
        case.state = "retrying" if action == "retry" else state
        if action == "assign":
            case.assignee = assignee or actor
        else:
            case.resolution = action if state == "resolved" else case.resolution
        case.notes = [
            *case.notes,
            {
                "key": decision_key,
                "event": action,
                "actor": actor,
                "author": actor,
                "note": note,
                "date": _stamp(),
            },
        ]
        session.add(case)
        return case, case.state == "resolved"


def resolve_retried(case_id: str) -> str | None:
    """The retried task succeeded: its case is resolved (a no-op for any other case). Answers
    the case's system when this call resolved it, else None."""
    with session_scope() as session:
        case = session.get(FalloutCase, case_id, with_for_update=True)
        if case is None or case.state != "retrying":
            return None
        system = case.system
        case.state, case.resolution = "resolved", "retry"
        note = {"key": f"{case_id}/retried", "event": "retry succeeded", "author": system}
        case.notes = [*case.notes, {**note, "date": _stamp()}]
        session.add(case)
        return system


def get_case(case_id: str) -> FalloutCase | None:
    with session_scope() as session:
        return session.get(FalloutCase, case_id)


@dataclass(frozen=True)
class FalloutFilter:
    states: tuple[str, ...] | None = None  # None: every state
    system: str | None = None
    error_type: str | None = None
    order_id: str | None = None
    assignee: str | None = None
    # Cases whose last failure is older than this (age filter).
    failed_before: datetime | None = None


def _query(flt: FalloutFilter) -> Any:
    query = select(FalloutCase)
    for column, value in (
        (FalloutCase.system, flt.system),
        (FalloutCase.error_type, flt.error_type),
        (FalloutCase.order_id, flt.order_id),
        (FalloutCase.assignee, flt.assignee),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if flt.states is not None:
        query = query.where(col(FalloutCase.state).in_(flt.states))
    if flt.failed_before is not None:
        query = query.where(col(FalloutCase.last_failure) < _naive(flt.failed_before))
    return query


def list_cases(flt: FalloutFilter, offset: int, limit: int) -> tuple[list[FalloutCase], int]:
    query = _query(flt)
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(col(FalloutCase.first_failure), col(FalloutCase.id))
            .offset(offset)
            .limit(limit)
        ).all()
        return list(rows), int(total)


def case_counts(flt: FalloutFilter) -> dict[str, dict[str, int]]:
    """How many cases per system and per error type, for the fallout dashboard."""
    cases = _query(flt).subquery()
    counts: dict[str, dict[str, int]] = {}
    with session_scope() as session:
        for name, column in (("bySystem", cases.c.system), ("byErrorType", cases.c.error_type)):
            rows = session.exec(select(column, func.count()).group_by(column)).all()
            counts[name] = {str(key): int(n) for key, n in rows}
    return counts
