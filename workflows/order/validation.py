"""What the order refuses before a change reaches history (the update validators). Pure.

Each check raises `Refusal`; the workflow turns it into an ApplicationError of the same type, the
error the API answers with (InvalidState, NotFound, Invalid, PointOfNoReturn).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from workflows.messages import AmendOrder, OverridePointOfNoReturn, ProvideInformation
from workflows.order.ponr import blocking_items, hard_point_of_no_return_passed
from workflows.refusal import Refusal

if TYPE_CHECKING:
    from workflows.order.book import OrderBook

__all__ = [
    "Refusal",
    "check_amendment",
    "check_cancellation",
    "check_information",
    "check_override",
]


def require_open(book: OrderBook) -> None:
    if book.order.state.is_final:
        raise Refusal("InvalidState", f"the order is {book.order.state.value}")


def check_information(book: OrderBook, info: ProvideInformation) -> None:
    require_open(book)
    if book.execution is None:
        raise Refusal("InvalidState", "the order is not planned yet")
    if book.order.item(info.item_id) is None:
        raise Refusal("NotFound", f"no item '{info.item_id}' in the order")
    if not any(info.item_id in (d.root_item_id, d.item_id) for d in book.plan.plan.deferred):
        raise Refusal("InvalidState", f"item '{info.item_id}' is not waiting for information")


def check_amendment(
    book: OrderBook, request: AmendOrder, now: datetime, amendment_under_way: bool = False
) -> None:
    """Refused when closed, being cancelled, invalid, or touching an item past its PONR; with
    `If-Match` (`expected_version`), also when the order is at another version or another
    amendment is under way (it would change the version)."""
    require_open(book)
    if book.cancellation_under_way():
        # Once a cancellation is accepted the order is going away, whatever its requested date.
        raise Refusal("InvalidState", "the order is being cancelled")
    expected = request.expected_version
    if expected is not None and (expected != book.order.version or amendment_under_way):
        under_way = " with an amendment under way" if amendment_under_way else ""
        raise Refusal(
            "PreconditionFailed",
            f"the order has changed: version {book.order.version}{under_way}, not {expected}",
        )
    if book.execution is None and book.order.open_review() is None:
        raise Refusal("InvalidState", "the order is not planned yet")
    try:
        amended = book.amended(request.patch)
    except ValueError as err:  # pydantic's ValidationError is a ValueError
        raise Refusal("Invalid", str(err)) from err
    if book.execution is None:
        return  # waiting for its review: nothing ran, no point of no return passed
    blocked = blocking_items(book.plan, book.ponr_overrides, book.affected_items(amended))
    if blocked:
        raise Refusal(
            "PointOfNoReturn", f"item(s) {', '.join(blocked)} passed their point of no return"
        )


def check_override(book: OrderBook, request: OverridePointOfNoReturn) -> None:
    require_open(book)
    if book.execution is None:
        raise Refusal("InvalidState", "the order is not planned yet")
    if book.order.item(request.item_id) is None:
        raise Refusal("NotFound", f"no item '{request.item_id}' in the order")
    if hard_point_of_no_return_passed(book.plan, request.item_id):
        raise Refusal(
            "PointOfNoReturn",
            f"item {request.item_id} is being recorded in inventory: a hard point of no "
            "return that no one can override",
        )


def check_cancellation(book: OrderBook) -> None:
    require_open(book)
    if book.cancellation_under_way():
        raise Refusal("InvalidState", "a cancellation is already under way")
