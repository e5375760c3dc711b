"""Draft orders handed between channels (TMF622 v5 `draft` on our v4 resource).

A channel (the `X-Tessera-Channel` header, else the channels a body names) that creates, edits
or submits a draft is added to the order's `channel` list, once, in the order channels first
touched it; each touch also adds a `note` saying which channel did what, and when. So the
order's `channel` list is its channel history, and its notes the detail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from api.admission import start_after_response
from api.errors import TmfError
from api.identity import Caller
from api.isolation import visible_order
from api.order_rules import duplicate_screen
from api.returns import checked_returns
from config.settings import Settings, get_settings
from store import drafts, stock
from tmf.product_order import OrderState, ProductOrder

CHANNEL_HEADER = "X-Tessera-Channel"


def acting_channels(request: Request, named: list[Any] | None) -> list[dict[str, Any]]:
    """The channels acting in this request: the header's, then any the body names."""
    found: list[dict[str, Any]] = []
    header = request.headers.get(CHANNEL_HEADER)
    if header:
        found.append({"id": header, "name": header})
    for ref in named or []:
        if isinstance(ref, dict) and isinstance(ref.get("id"), str) and ref["id"]:
            found.append(ref)
    return found


def with_channel_history(
    document: dict[str, Any],
    channels: list[dict[str, Any]],
    action: str,
    actor: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The document with each acting channel in its `channel` list (once) and a note."""
    history = [dict(c) for c in document.get("channel") or []]
    known = {c.get("id") for c in history}
    for ref in channels:
        if ref["id"] not in known:
            history.append(ref)
            known.add(ref["id"])
    names = ", ".join(ref["id"] for ref in channels) or "an unnamed channel"
    note = {
        "author": actor or names,
        "date": now.isoformat().replace("+00:00", "Z"),
        "text": f"draft {action} in channel {names}",
    }
    return {**document, "channel": history, "note": [*(document.get("note") or []), note]}


def expiration(now: datetime) -> datetime:
    return now + timedelta(hours=get_settings().order_draft_ttl_hours)


def now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def refuse_closed(state: str, order_id: str) -> TmfError:
    return TmfError(
        409,
        "NotADraft",
        f"Order '{order_id}' is not a draft (state '{state}')",
        "Only a draft can be submitted or edited as a draft",
    )


async def submit(
    order_id: str,
    document: dict[str, Any],
    request: Request,
    actor: str | None,
    settings: Settings,
) -> dict[str, Any]:
    """Submit a stored draft (with any edits already merged into `document`): the order is
    accepted as a POSTed one is (admission row, then its workflow starts)."""
    now = now_ms()
    draft = ProductOrder.model_validate(document)
    if draft.state != OrderState.DRAFT:
        raise refuse_closed(draft.state.value, order_id)
    if draft.draft_expiration_date is not None and draft.draft_expiration_date <= now:
        try:
            await run_in_threadpool(drafts.expire_one, order_id, now)
        except drafts.DraftClosed:
            pass
        raise TmfError(
            409,
            "DraftExpired",
            f"Draft '{order_id}' expired at {draft.draft_expiration_date.isoformat()}",
            "A draft must be submitted within ORDER_DRAFT_TTL_HOURS of its creation; "
            "start a new order",
        )
    # Its returns are checked against their policies now, as a POST's (the window may have
    # closed since the draft began); an exchange names the unit its replacement takes.
    checked = await run_in_threadpool(checked_returns, draft)
    channels = acting_channels(request, None)
    submitted = with_channel_history(draft.to_tmf(), channels, "submitted", actor, now)
    if checked is not draft:
        items = checked.model_dump(by_alias=True, exclude_none=True, mode="json")
        submitted["productOrderItem"] = items["productOrderItem"]
    submitted.pop("draftExpirationDate", None)
    # The order date is the submit's: the due date and jeopardy count from it, as for a POST.
    order = ProductOrder.model_validate(
        {**submitted, "state": OrderState.ACKNOWLEDGED.value, "orderDate": now.isoformat()}
    )
    try:
        # Screened for duplicates as a POST is (a draft is not, while it is one).
        screen = await run_in_threadpool(duplicate_screen, order)
        order = await run_in_threadpool(drafts.submit_draft, order, settings.task_queue, screen)
    except drafts.DraftClosed as err:
        raise refuse_closed(err.state, order_id) from None
    except stock.OutOfStock as err:
        raise out_of_stock(err) from None
    start_after_response(order, settings)
    return order.to_tmf()


def out_of_stock(err: stock.OutOfStock) -> TmfError:
    skus = ", ".join(err.skus)
    return TmfError(
        422,
        "OutOfStock",
        f"No location has {skus} in stock",
        f"Every warehouse and shop is out of {skus}; the order was not accepted",
    )


async def stored_order(order_id: str, caller: Caller) -> dict[str, Any]:
    """The stored order; 404 when there is none or it is another customer's."""
    document: dict[str, Any] = await run_in_threadpool(visible_order, caller, order_id)
    return document
