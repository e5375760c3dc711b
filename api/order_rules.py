"""The catalog's order rules at capture (decomposition/rules.py): enrichment, then the duplicate
screen; and enrichment again when an order is amended. Thin: the decisions are pure
(decomposition/enrichment.py, duplicates.py); this reads the catalog, and the store runs the
screen in the acceptance's transaction (store/reviews.py), so it is atomic with the insert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.errors import TmfError
from decomposition.catalog import CatalogVersion
from decomposition.duplicates import SuspectedDuplicate, find_duplicate
from decomposition.enrichment import enrich_order, reenrich_patch
from decomposition.rules import RuleKind
from store.catalogs import catalog_version
from store.reviews import DuplicateScreen
from tmf.product_order import OrderState, ProductOrder, ProductOrderCreate
from workflows.order.review import duplicate_review


def apply_capture_rules(order: ProductOrder) -> tuple[ProductOrder, DuplicateScreen | None]:
    """The order enriched by the latest catalog's rules, and the duplicate screen its
    acceptance runs (None: no duplicate rule applies). A draft is not screened: it goes
    nowhere until it is submitted."""
    catalog = catalog_version()
    if not catalog.rules:
        return order, None
    enriched, _ = enrich_order(order, catalog)
    if enriched.state == OrderState.DRAFT:
        return enriched, None
    return enriched, duplicate_screen(enriched, catalog)


def duplicate_screen(
    enriched: ProductOrder, catalog: CatalogVersion | None = None
) -> DuplicateScreen | None:
    """The duplicate screen the order's acceptance (or a draft's submit) runs; None when no
    duplicate rule applies."""
    rules = catalog or catalog_version()
    windows = [r.window_hours for r in rules.rules if r.kind == RuleKind.DUPLICATE]
    customer = enriched.customer_id()
    if not windows or customer is None:
        return None

    def decide(documents: list[dict[str, Any]]) -> ProductOrder:
        now = datetime.now(UTC)
        open_orders = [ProductOrder.model_validate(d) for d in documents]
        found = find_duplicate(enriched, rules, open_orders, now)
        if found is None:
            return enriched
        if not found.hold:
            raise TmfError(409, "DuplicateOrder", found.reason(), found.description or None)
        return held(enriched, found, now)

    since = datetime.now(UTC) - timedelta(hours=max(windows))
    return DuplicateScreen(customer_id=customer, since=since, decide=decide)


def held(order: ProductOrder, found: SuspectedDuplicate, now: datetime) -> ProductOrder:
    """The order accepted `held` for an agent's review, naming the order it duplicates."""
    review = duplicate_review(
        f"Suspected duplicate: {found.reason()}", found.rule, found.duplicates_order, now
    )
    return order.model_copy(update={"state": OrderState.HELD, "review": [review]})


def amended_with_enrichment(
    document: dict[str, Any], amended: ProductOrderCreate, patch: dict[str, Any]
) -> dict[str, Any]:
    """The patch to send the order workflow: the client's, plus what the enrichment rules now
    derive from the amended characteristics (an item's enriched values follow its amended
    postcode; what a client set itself is kept)."""
    version = document.get("catalogVersion")
    catalog = catalog_version(version) if version else catalog_version()
    if not any(r.kind == RuleKind.ENRICH for r in catalog.rules):
        return patch
    return reenrich_patch(ProductOrder.model_validate(document), amended, patch, catalog)
