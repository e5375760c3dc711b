"""TMF641/652 list cost: one page of service orders read from the `domain_order` index, against
the way before it (every order document read, then filtered and paged in Python).

    .venv/bin/python bench/domain_order_list.py [orders]

Writes the orders into a fresh SQLite file; prints milliseconds per page (median of 20).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

from store.db import create_tables  # noqa: E402
from store.domain_orders import DomainOrderFilter, list_domain_orders  # noqa: E402
from store.orders import order_documents, save_order  # noqa: E402
from tmf.product_order import ProductOrder  # noqa: E402


def _order(n: int) -> ProductOrder:
    order_id = f"bench-{n:06d}"
    refs = [
        {
            "id": f"order-{order_id}/{spec}-1",
            "domain": domain,
            "specification": spec,
            "state": "completed" if n % 3 else "inProgress",
        }
        for spec, domain in (
            ("service-cfs-internet-access", "service"),
            ("service-rfs-ftth-access", "service"),
            ("service-rfs-home-gateway", "service"),
            ("resource-router", "resource"),
        )
    ]
    return ProductOrder.model_validate(
        {
            "id": order_id,
            "href": f"/productOrder/{order_id}",
            "orderDate": datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=n),
            "state": "inProgress",
            "relatedParty": [{"id": f"c-{n % 50}", "role": "customer", "@referredType": "x"}],
            "productOrderItem": [
                {"id": "1", "action": "add", "productOffering": {"id": "x"}, "domainOrder": refs}
            ],
        }
    )


def _before(limit: int) -> list[str]:
    """The list before the index: every document, filtered and paged in Python."""
    found = []
    for document in order_documents():
        for item in document.get("productOrderItem", []):
            for ref in item.get("domainOrder") or []:
                if ref["domain"] == "service" and ref["state"] == "inProgress":
                    found.append(ref["id"])
    return found[:limit]


def _after(limit: int) -> list[str]:
    flt = DomainOrderFilter(domain="service", state="inProgress")
    return list_domain_orders(flt, 0, limit)[1]


def _median_ms(run: object, limit: int) -> float:
    times = []
    for _ in range(20):
        start = time.perf_counter()
        run(limit)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(count: int) -> None:
    create_tables()
    for n in range(count):
        save_order(_order(n), revision=1)
    assert _before(20) == _after(20)
    print(f"{count} orders, a page of 20 in-progress service orders:")
    print(f"  before (read every order): {_median_ms(_before, 20):8.2f} ms")
    print(f"  after (domain_order index): {_median_ms(_after, 20):8.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
