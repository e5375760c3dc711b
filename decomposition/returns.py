"""Return policies: whether a product may still be returned. Pure (no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta

from decomposition.catalog import ProductOffering


def return_refusal(
    offering: ProductOffering, delivered: datetime | None, now: datetime
) -> str | None:
    """Why a return of a product of `offering` delivered at `delivered` is refused now, in the
    policy's terms; None when it is allowed (no policy, or within the window)."""
    policy = offering.return_policy
    if policy is None or delivered is None:
        return None
    closes = delivered + timedelta(days=policy.window_days)
    if now <= closes:
        return None
    return (
        f"{offering.name} may be returned within {policy.window_days} days of delivery; "
        f"it was delivered on {delivered.date().isoformat()}, the window closed on "
        f"{closes.date().isoformat()}"
    )
