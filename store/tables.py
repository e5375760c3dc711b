"""All tables, imported once so that `create_tables` creates every one of them."""

import store.simulator_tables  # noqa: F401 (registers the southbound simulators' tables)
from store.order_tables import OrderParty, ProductOrderRecord

__all__ = ["OrderParty", "ProductOrderRecord"]
