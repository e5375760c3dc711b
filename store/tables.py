"""All tables, imported once so that `create_tables` creates every one of them."""

import store.hub_tables  # noqa: F401 (registers the event hub's tables)
import store.inventory_tables  # noqa: F401 (registers the product inventory's tables)
import store.simulator_tables  # noqa: F401 (registers the southbound simulators' tables)
import store.stock_tables  # noqa: F401 (registers the stock by location tables)
from store.cancel_tables import CancelOrderRecord
from store.catalog_tables import CatalogAudit, CatalogDraft, PublishedCatalog
from store.event_tables import OrderEventRecord
from store.fallout_tables import FalloutCase
from store.order_tables import (
    ClosedOrderPlan,
    DomainOrderRecord,
    OrderAdmission,
    OrderParty,
    OrderRequest,
    ProductOrderRecord,
)
from store.secret_tables import SealedSecret
from store.task_tables import ManualTaskRecord, WorkforceSimulatorConfig

__all__ = [
    "CancelOrderRecord",
    "CatalogAudit",
    "CatalogDraft",
    "PublishedCatalog",
    "FalloutCase",
    "OrderEventRecord",
    "ManualTaskRecord",
    "ClosedOrderPlan",
    "DomainOrderRecord",
    "OrderAdmission",
    "OrderParty",
    "OrderRequest",
    "ProductOrderRecord",
    "SealedSecret",
    "WorkforceSimulatorConfig",
]
