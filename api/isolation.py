"""Customer isolation: a caller confined to its party (a customer) sees only its own orders,
cancellations and products, and may not act for another party.

Another party's resource answers 404, as if it did not exist (no existence leak); a request
naming another party answers 403.
"""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.errors import TmfError
from api.identity import Caller, forbidden
from store import orders


def order_customer(document: dict[str, Any]) -> str | None:
    """The order's customer: the party with role customer if named, else the first party
    (as ProductOrder.customer_id reads it, and as the store indexes it)."""
    parties = [p for p in document.get("relatedParty") or [] if isinstance(p, dict)]
    for party in parties:
        if str(party.get("role") or "").lower() == "customer":
            return str(party.get("id"))
    return str(parties[0].get("id")) if parties else None


def may_see_order(caller: Caller, document: dict[str, Any]) -> bool:
    scope = caller.party_scope()
    return scope is None or order_customer(document) == scope


def not_found(order_id: str) -> TmfError:
    return TmfError(404, "NotFound", f"No productOrder with id '{order_id}'")


def visible_order(caller: Caller, order_id: str) -> dict[str, Any]:
    """The order's document, or 404 when it does not exist or is another customer's."""
    document = orders.get_order(order_id)
    if document is None or not may_see_order(caller, document):
        raise not_found(order_id)
    return document


async def check_order_visible(caller: Caller, order_id: str) -> None:
    """For routes that read the order elsewhere (its workflow): 404 before asking it."""
    if caller.party_scope() is not None:
        await run_in_threadpool(visible_order, caller, order_id)


def check_parties(
    caller: Caller, related_party: list[Any] | None, require_self: bool = True
) -> None:
    """A confined caller names only itself: every related party is its own (403 otherwise),
    and (`require_self`) it names itself, so that the order is its."""
    scope = caller.party_scope()
    if scope is None:
        return
    ids = [
        p.get("id") if isinstance(p, dict) else getattr(p, "id", None) for p in related_party or []
    ]
    if not ids and require_self:
        raise forbidden(f"name your party '{scope}' in relatedParty")
    others = sorted({str(i) for i in ids if i != scope})
    if others:
        raise forbidden(f"a customer acts for its own party only, not {', '.join(others)}")
