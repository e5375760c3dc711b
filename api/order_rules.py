"""The catalog's order rules at capture (decomposition/rules.py): enrichment, then the duplicate
check. Thin: the decisions are pure (decomposition/enrichment.py, duplicates.py); this reads
the catalog and the customer's open orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.errors import TmfError
from decomposition.duplicates import find_duplicate
from decomposition.enrichment import enrich_order
from decomposition.rules import RuleKind
from store import orders
from store.catalogs import catalog_version
from tmf.product_order import ProductOrder


def apply_capture_rules(order: ProductOrder, idempotency_key: str | None) -> ProductOrder:
    """The order enriched by the latest catalog's rules; a 409 if it duplicates an open order.

    A replay (known Idempotency-Key or externalId) is not checked: it answers with the first
    order, as before."""
    catalog = catalog_version()
    if not catalog.rules:
        return order
    enriched, _ = enrich_order(order, catalog)
    windows = [r.window_hours for r in catalog.rules if r.kind == RuleKind.DUPLICATE]
    customer = enriched.customer_id()
    if not windows or customer is None:
        return enriched
    if orders.find_duplicate(idempotency_key, orders.external_key_of(enriched)) is not None:
        return enriched  # a replay
    now = datetime.now(UTC)
    open_orders = [
        ProductOrder.model_validate(document)
        for document in orders.open_orders_of(customer, now - timedelta(hours=max(windows)))
    ]
    found = find_duplicate(enriched, catalog, open_orders, now)
    if found is not None:
        raise TmfError(
            409,
            "DuplicateOrder",
            f"Item {found.item_id} duplicates item {found.duplicates_item} of open order "
            f"{found.duplicates_order} (rule {found.rule})",
            found.description or None,
        )
    return enriched
