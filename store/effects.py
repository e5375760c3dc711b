"""Exactly once: apply a change and record its idempotency key in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.db import session_scope


class Effect(Protocol):
    idempotency_key: str
    result: dict[str, Any]


EffectT = TypeVar("EffectT", bound=Effect)


def apply_once(
    effect: EffectT,
    find: Callable[[str], EffectT | None],
    apply: Callable[[Session], dict[str, Any]],
    recorded: Callable[[EffectT], None] = lambda _effect: None,
) -> tuple[EffectT, bool]:
    """Apply an effect and record it, unless its key is already recorded.

    `apply` changes state in the given session and returns the result to record; `recorded` may
    copy parts of it onto the effect row. Returns the recorded effect (this one, or the first
    with the same key) and whether it was applied now.
    """
    existing = find(effect.idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with session_scope() as session:
            # Claim the key first: a concurrent call with the same key waits here, then fails on
            # the unique index, before it changes anything (and on SQLite the transaction starts
            # as a write, so it waits for the lock rather than failing on a stale snapshot).
            session.add(effect)
            session.flush()
            effect.result = apply(session)
            recorded(effect)
            session.add(effect)
        return effect, True
    except IntegrityError:
        existing = find(effect.idempotency_key)
        if existing is None:
            raise
        return existing, False
