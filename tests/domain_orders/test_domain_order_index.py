"""The domain-order index behind the TMF641/652 lists: written with each order snapshot, it pages
and filters (state, product order, party, a customer's own) without reading every order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from store.db import get_engine
from store.domain_orders import DomainOrderFilter, list_domain_orders
from store.orders import save_order
from tmf.product_order import ProductOrder


def _order(customer: str, minutes: int, states: dict[str, str]) -> ProductOrder:
    order_id = f"dx-{uuid.uuid4().hex[:10]}"
    refs = [
        {
            "id": f"order-{order_id}/{name}",
            "domain": "resource" if name.startswith("res") else "service",
            "specification": name,
            "state": state,
        }
        for name, state in states.items()
    ]
    body: dict[str, Any] = {
        "id": order_id,
        "href": f"/productOrder/{order_id}",
        "orderDate": (datetime(2031, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat(),
        "state": "inProgress",
        "relatedParty": [{"id": customer, "role": "customer", "@referredType": "Individual"}],
        "productOrderItem": [
            {"id": "1", "action": "add", "productOffering": {"id": "x"}, "domainOrder": refs}
        ],
    }
    return ProductOrder.model_validate(body)


def _ids(flt: DomainOrderFilter, offset: int = 0, limit: int = 100) -> tuple[list[str], int]:
    _, ids, total = list_domain_orders(flt, offset, limit)
    return ids, total


def test_the_index_pages_newest_order_first_and_filters() -> None:
    customer, other = f"c-{uuid.uuid4().hex[:6]}", f"c-{uuid.uuid4().hex[:6]}"
    first = _order(customer, 1, {"cfs-a": "completed", "rfs-b": "inProgress", "res-c": "held"})
    second = _order(customer, 2, {"cfs-a": "inProgress", "res-c": "acknowledged"})
    stranger = _order(other, 3, {"cfs-a": "inProgress"})
    for order in (first, second, stranger):
        assert save_order(order, revision=1)

    mine = DomainOrderFilter(domain="service", customer_id=customer)
    ids, total = _ids(mine)
    assert total == 3
    # Newest product order first, then in the order's own item order.
    assert ids == [
        f"order-{second.id}/cfs-a",
        f"order-{first.id}/cfs-a",
        f"order-{first.id}/rfs-b",
    ]
    assert _ids(mine, offset=1, limit=1) == ([f"order-{first.id}/cfs-a"], 3)
    running = DomainOrderFilter(domain="service", customer_id=customer, state="inProgress")
    assert _ids(running) == ([f"order-{second.id}/cfs-a", f"order-{first.id}/rfs-b"], 2)
    of_first = DomainOrderFilter(domain="resource", order_id=first.id)
    assert _ids(of_first) == ([f"order-{first.id}/res-c"], 1)
    by_party = DomainOrderFilter(domain="service", party_id=other)
    assert _ids(by_party) == ([f"order-{stranger.id}/cfs-a"], 1)

    # The page comes with the documents of its orders only.
    by_order, _, _ = list_domain_orders(mine, 0, 1)
    assert [(doc["id"], wanted) for doc, wanted in by_order] == [
        (second.id, [f"order-{second.id}/cfs-a"])
    ]


def test_a_new_snapshot_moves_the_index_with_it() -> None:
    customer = f"c-{uuid.uuid4().hex[:6]}"
    order = _order(customer, 5, {"cfs-a": "inProgress", "rfs-b": "inProgress"})
    assert save_order(order, revision=1)
    later = _order(customer, 5, {"cfs-a": "completed"})
    later = later.model_copy(update={"id": order.id})
    body = later.to_tmf()
    body["productOrderItem"][0]["domainOrder"] = [
        {**ref, "id": f"order-{order.id}/cfs-a"}
        for ref in body["productOrderItem"][0]["domainOrder"]
    ]
    assert save_order(ProductOrder.model_validate(body), revision=2)

    done = DomainOrderFilter(domain="service", customer_id=customer, state="completed")
    assert _ids(done) == ([f"order-{order.id}/cfs-a"], 1)
    # The domain order the new snapshot no longer lists is gone from the index.
    assert _ids(DomainOrderFilter(domain="service", customer_id=customer)) == (
        [f"order-{order.id}/cfs-a"],
        1,
    )
    # An older snapshot arriving late changes nothing.
    assert not save_order(order, revision=1)
    assert _ids(done) == ([f"order-{order.id}/cfs-a"], 1)


def test_a_snapshot_writes_only_the_index_rows_that_changed() -> None:
    """Issue 24: a large order's snapshot after a task event moves a few of its thousands of
    rows; those alone are written, and the index reads as the snapshot says."""
    customer = f"c-{uuid.uuid4().hex[:6]}"
    states = {f"cfs-{n:02}": "inProgress" for n in range(30)}
    order = _order(customer, 7, states)
    assert save_order(order, revision=1)

    moved = order.model_copy(deep=True)
    [item] = moved.product_order_item
    assert item.domain_order is not None
    item.domain_order[4].state = "completed"
    item.domain_order.append(
        item.domain_order[0].model_copy(update={"id": f"order-{order.id}/new"})
    )
    del item.domain_order[0]
    written: list[tuple[str, int]] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "domain_order" in statement and statement.split()[0] in {"INSERT", "UPDATE", "DELETE"}:
            rows = len(parameters) if isinstance(parameters, list) else 1
            written.append((statement.split()[0], rows))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert save_order(moved, revision=2)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    # One row gone, one new, and every row after the first moved up one place: their positions.
    assert {kind for kind, _ in written} == {"INSERT", "UPDATE", "DELETE"}
    assert sum(rows for kind, rows in written if kind == "INSERT") == 1
    assert sum(rows for kind, rows in written if kind == "UPDATE") == 29
    everything = DomainOrderFilter(domain="service", order_id=order.id)
    assert _ids(everything) == ([r.id for r in item.domain_order], 30)
    done = DomainOrderFilter(domain="service", order_id=order.id, state="completed")
    assert _ids(done) == ([f"order-{order.id}/cfs-04"], 1)

    written.clear()
    again = moved.model_copy(deep=True)
    assert again.product_order_item[0].domain_order is not None
    again.product_order_item[0].domain_order[10].state = "held"
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert save_order(again, revision=3)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert written == [("UPDATE", 1)]
