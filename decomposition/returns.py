"""Return policies: whether a product may be returned, what a return's plan waits for, and how
an inspected return is settled (disposition, refund, charge). Pure (no I/O, no clock).

The catalog's `returnPolicy` on an offering gives the window, restocking fee, remedies and
refund per condition grade, with terms per customer segment (the order's `category`). The plan
itself comes from the spec's `delete` tasks, chosen by the item's `returnType` (`when`
conditions, decomposition/fragments.py); this module fills in the return's deadline and decides
the settlement the returns activity applies (activities/returns.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from decomposition.catalog import (
    CatalogVersion,
    PriceType,
    ProductOffering,
    ReturnPolicy,
    ReturnRemedy,
)
from decomposition.plan import PlanTask
from tmf.product_inventory import Product

# The template param a return's receiving task carries; decomposition puts the window's end
# in its place (an exchange or replacement) or drops it (nothing is charged otherwise).
DEADLINE_PARAM = "deadline"
RETURN_WINDOW = "returnWindow"
# What the receiving task reports when the deadline passes with nothing received.
NOT_RECEIVED: dict[str, Any] = {"received": False}
# The remedies that ship a replacement before the return is back: charged if it never comes.
SHIPPED_AHEAD = frozenset({ReturnRemedy.EXCHANGE, ReturnRemedy.REPLACEMENT})
# The remedies whose receiving task closes itself at the window's end with nothing received:
# a replacement shipped ahead is then charged; a refund settles at nothing and the customer
# keeps the product. A repair waits for its unit (the repair job needs the handset).
DEADLINE_REMEDIES = SHIPPED_AHEAD | {ReturnRemedy.REFUND}
FAULTY = "faulty"
CENT = Decimal("0.01")


def remedy_of(value: object) -> ReturnRemedy:
    """The item's `returnType`; a refund when none (or an unknown one) is given."""
    try:
        return ReturnRemedy(str(value))
    except ValueError:
        return ReturnRemedy.REFUND


def window_end(policy: ReturnPolicy, segment: str | None, delivered: datetime) -> datetime:
    terms = policy.terms(segment)
    return delivered + timedelta(days=terms.window_days or 0)


def return_refusal(
    offering: ProductOffering,
    delivered: datetime | None,
    now: datetime,
    segment: str | None = None,
) -> str | None:
    """Why a return of a product of `offering` delivered at `delivered` is refused now, in the
    policy's terms for the segment; None when it is allowed (no policy, or within the window)."""
    policy = offering.return_policy
    if policy is None or delivered is None:
        return None
    closes = window_end(policy, segment, delivered)
    if now <= closes:
        return None
    days = policy.terms(segment).window_days
    who = f" for {segment} customers" if segment in policy.segments else ""
    return (
        f"{offering.name} may be returned within {days} days of delivery{who}; "
        f"it was delivered on {delivered.date().isoformat()}, the window closed on "
        f"{closes.date().isoformat()}"
    )


def remedy_refusal(
    offering: ProductOffering, segment: str | None, remedy: ReturnRemedy
) -> str | None:
    """Why the policy does not offer this remedy (for this segment); None when it does."""
    policy = offering.return_policy
    if policy is None:
        return None if remedy == ReturnRemedy.REFUND else f"{offering.name} has no return policy"
    offered = policy.terms(segment).remedies or []
    if remedy in offered:
        return None
    names = ", ".join(r.value for r in offered) or "nothing"
    return f"the return policy of {offering.name} offers {names}, not {remedy.value}"


# -- the plan ---------------------------------------------------------------------------------


def set_deadlines(
    tasks: Iterable[PlanTask],
    catalog: CatalogVersion,
    inventory: Sequence[Product],
    segment: str | None,
) -> None:
    """Put the end of the return window in each receiving task that waits for one (a durable
    timer in the domain order): a shipped ahead replacement is charged if the return is not
    back by then, a refund closes with nothing refunded and the product left to the customer.
    A repair waits for the returns desk without a deadline."""
    products = {p.id: p for p in inventory}
    for task in tasks:
        if task.params.get(DEADLINE_PARAM) != RETURN_WINDOW:
            continue
        del task.params[DEADLINE_PARAM]
        if remedy_of(task.params.get("returnType")) not in DEADLINE_REMEDIES:
            continue
        product = products.get(str(task.params.get("productId")))
        offering_id = product.product_offering.id if product and product.product_offering else ""
        offering = catalog.offering(offering_id or "")
        if product is None or product.start_date is None or offering is None:
            continue
        if offering.return_policy is None:
            continue
        closes = window_end(offering.return_policy, segment, product.start_date)
        task.params[DEADLINE_PARAM] = closes.isoformat().replace("+00:00", "Z")
        task.params["resultAtDeadline"] = dict(NOT_RECEIVED)


# -- settlement -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class Inspection(_Model):
    """The returns desk's structured result (the receiving task's result schema)."""

    received: bool = True
    condition_grade: str | None = None  # A (as new) .. D (broken)
    accessories_complete: bool = True
    serial_matches: bool = True


class Disposition(StrEnum):
    RESTOCK = "restock"  # back to stock at a location, sold again as new
    REFURBISH = "refurbish"
    REPAIR = "repair"  # repaired for the customer (the repair remedy)
    RECYCLE = "recycle"
    RETURN_TO_SENDER = "returnToSender"  # not the unit sold: it goes back to the customer
    NONE = "none"  # nothing came back


class Settlement(_Model):
    remedy: ReturnRemedy
    received: bool
    disposition: Disposition
    price: Decimal  # the refundable price (the device's; never the used service)
    refund: Decimal = Decimal("0")
    restocking_fee: Decimal = Decimal("0")
    deduction: Decimal = Decimal("0")  # for the condition and missing accessories
    charge: Decimal = Decimal("0")  # what the customer pays (a replacement kept, damage)
    currency: str = "EUR"
    reasons: list[str] = Field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        """The task result and the customer's view: amounts as TMF Money."""

        def money(amount: Decimal) -> dict[str, Any]:
            return {"unit": self.currency, "value": float(amount)}

        return {
            "remedy": self.remedy.value,
            "received": self.received,
            "disposition": self.disposition.value,
            "refundablePrice": money(self.price),
            "refund": money(self.refund),
            "restockingFee": money(self.restocking_fee),
            "deduction": money(self.deduction),
            "charge": money(self.charge),
            "reasons": list(self.reasons),
        }


def share(price: Decimal, percent: float) -> Decimal:
    """A percentage of a price, to the cent (half up): fees and deductions, the same way in
    the estimate on the order (pricing) and in the settlement."""
    return (price * Decimal(str(percent)) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def disposition(remedy: ReturnRemedy, faulty: bool, inspection: Inspection) -> Disposition:
    """Where the returned unit goes."""
    if not inspection.received:
        return Disposition.NONE
    if not inspection.serial_matches:
        return Disposition.RETURN_TO_SENDER
    grade = inspection.condition_grade or "D"
    if remedy == ReturnRemedy.REPAIR:
        return Disposition.REPAIR  # the customer's own unit, repaired and sent back
    if grade == "D":
        return Disposition.RECYCLE
    if grade == "A" and inspection.accessories_complete and not faulty:
        return Disposition.RESTOCK
    # Worn, incomplete or faulty: refurbished (its fault fixed) and sold as refurbished.
    return Disposition.REFURBISH


def settle(
    policy: ReturnPolicy,
    segment: str | None,
    remedy: ReturnRemedy,
    reason: str | None,
    inspection: Inspection,
    price: Decimal,
    currency: str = "EUR",
) -> Settlement:
    """The settlement of an inspected return under its policy.

    Refund: the price by the condition grade's share, less missing accessories and the
    restocking fee (waived for a faulty unit, whose grade is not held against the customer).
    Exchange or replacement: nothing refunded; a replacement kept without the return coming
    back (or with another unit) is charged at its price; an exchange of a damaged unit (not
    faulty) is charged what its condition took off. Repair: nothing changes hands.
    """
    faulty = reason == FAULTY
    terms = policy.terms(segment)
    where = disposition(remedy, faulty, inspection)
    settled = Settlement(
        remedy=remedy,
        received=inspection.received,
        disposition=where,
        price=price,
        currency=currency,
    )
    if not inspection.received or not inspection.serial_matches:
        why = (
            "not received by the end of the return window"
            if not inspection.received
            else ("the unit returned is not the one sold")
        )
        if remedy in SHIPPED_AHEAD:
            return settled.model_copy(
                update={"charge": price, "reasons": [f"{why}: the replacement is charged"]}
            )
        return settled.model_copy(update={"reasons": [f"{why}: nothing is refunded"]})
    if remedy == ReturnRemedy.REPAIR:
        return settled.model_copy(update={"reasons": ["repaired and sent back"]})
    grade = inspection.condition_grade or "D"
    kept = Decimal("100") if faulty else Decimal(str(policy.grade_refund_percent.get(grade, 0)))
    deduction = price - share(price, float(kept))
    reasons = [] if faulty else [f"condition grade {grade}: {kept}% of the price"]
    if not inspection.accessories_complete:
        deduction += share(price, policy.missing_accessories_percent)
        reasons.append(f"accessories missing: {policy.missing_accessories_percent}% deducted")
    if remedy in SHIPPED_AHEAD:
        if faulty:
            return settled.model_copy(update={"reasons": ["faulty: replaced at no charge"]})
        charge = min(price, deduction)
        return settled.model_copy(
            update={"deduction": charge, "charge": charge, "reasons": reasons}
        )
    fee = Decimal("0") if faulty else share(price, terms.restocking_fee_percent or 0)
    if fee:
        reasons.append(f"restocking fee {terms.restocking_fee_percent}%")
    if faulty:
        reasons.append("faulty: full refund, no restocking fee")
    refund = max(Decimal("0"), price - deduction - fee)
    return settled.model_copy(
        update={
            "refund": refund,
            "restocking_fee": min(fee, price - min(deduction, price)),
            "deduction": min(deduction, price),
            "reasons": reasons,
        }
    )


def refundable_price(
    catalog: CatalogVersion, offering: ProductOffering, product: Product
) -> tuple[Decimal, str]:
    """What the customer paid for the device (its one-time price, never the recurring service),
    as inventory recorded it; the catalog's price when inventory kept none."""
    paid = [p for p in product.product_price if p.price_type == PriceType.ONE_TIME.value]
    amounts = [(p.price.get("taxIncludedAmount") or {}) for p in paid]
    if amounts and all(a.get("value") is not None for a in amounts):
        total = sum((Decimal(str(a["value"])) for a in amounts), Decimal(0))
        return total.quantize(CENT, rounding=ROUND_HALF_UP), str(amounts[0].get("unit", "EUR"))
    return device_price(catalog, offering, product.characteristic_values())


def device_price(
    catalog: CatalogVersion, offering: ProductOffering, values: Mapping[str, Any]
) -> tuple[Decimal, str]:
    """The catalog's one-time (device) price of a product with these characteristics."""
    for price in offering.prices:
        if price.price_type != PriceType.ONE_TIME:
            continue
        if price.condition and not catalog.condition(price.condition).holds(values):
            continue
        return price.amount, price.currency
    return Decimal("0"), "EUR"
