"""Assetization: each action's effect on inventory, exactly once per idempotency key."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError

from activities.product_inventory import product_id_for
from activities.southbound.contract import SOUTHBOUND_PERMANENT_ERROR, SouthboundResult
from store.db import session_scope
from store.inventory import get_product, products_for_party
from store.inventory_tables import InventoryEffect, InventoryProductParty, InventoryProductRecord
from tests.inventory.support import (
    new_id,
    product_body,
    request,
    run_assetize,
    run_deassetize,
)
from tmf.product_inventory import ProductStatus


def _add(customer: str, order_id: str, **characteristics: object) -> str:
    result = run_assetize(
        request(order_id, "add", product_body(customer, order_id, **characteristics))
    )
    return result.reference


def test_add_records_an_active_product_with_what_it_was_given() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    req = request(order_id, "add", product_body(customer, order_id, technology="fiber"))

    result = run_assetize(req)

    assert result.system == "product_inventory"
    assert result.reference == product_id_for(req.idempotency_key)
    assert result.data == {"productId": result.reference, "status": "active"}
    assert not result.replayed
    [product] = products_for_party(customer)
    assert product.id == result.reference
    assert product.status == ProductStatus.ACTIVE
    assert product.start_date is not None
    assert product.characteristic_values() == {"technology": "fiber"}
    assert product.product_offering is not None
    assert product.product_offering.id == "fiber-broadband"
    assert [s.id for s in product.realizing_service] == [
        f"order-{order_id}/service-cfs-internet-access-1"
    ]
    assert [(i.product_order_id, i.order_item_id) for i in product.product_order_item] == [
        (order_id, "1")
    ]
    with session_scope() as session:
        record = session.get(InventoryProductRecord, product.id)
        assert record is not None
        assert (record.status, record.offering_id, record.order_id, record.order_item_id) == (
            "active",
            "fiber-broadband",
            order_id,
            "1",
        )


def test_same_key_twice_applies_once_and_replays_the_first_result() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    req = request(order_id, "add", product_body(customer, order_id, technology="fiber"))

    first = run_assetize(req)
    second = run_assetize(req)

    assert second.replayed
    assert second.model_copy(update={"replayed": False}) == first
    assert [p.id for p in products_for_party(customer)] == [first.reference]


def test_concurrent_calls_with_one_key_record_one_product() -> None:
    # A timed-out attempt still running while its retry starts: both carry the same key.
    customer, order_id = new_id("cust"), new_id("ord")
    req = request(order_id, "add", product_body(customer, order_id))
    start = threading.Barrier(6)

    def call() -> SouthboundResult:
        start.wait()
        return run_assetize(req)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: call(), range(6)))

    assert {r.reference for r in results} == {product_id_for(req.idempotency_key)}
    assert sum(not r.replayed for r in results) == 1
    assert len(products_for_party(customer)) == 1


def test_modify_merges_characteristics_by_name_and_keeps_the_status() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    product_id = _add(customer, order_id, technology="fiber", downloadSpeed=100)
    run_assetize(request(order_id, "suspend", product_id=product_id, item_id="2"))
    change_order = new_id("ord")

    result = run_assetize(
        request(
            change_order,
            "modify",
            product_body(customer, change_order, downloadSpeed=500, routerModel="hx-700"),
            product_id=product_id,
        )
    )

    product = get_product(product_id)
    assert product is not None
    assert result.data == {"productId": product_id, "status": "suspended"}
    assert product.status == ProductStatus.SUSPENDED
    assert product.characteristic_values() == {
        "technology": "fiber",
        "downloadSpeed": 500,
        "routerModel": "hx-700",
    }
    assert (change_order, "1") in {
        (i.product_order_id, i.order_item_id) for i in product.product_order_item
    }


def test_suspend_resume_and_delete_move_the_status() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    product_id = _add(customer, order_id)

    def act(action: str) -> SouthboundResult:
        return run_assetize(request(new_id("ord"), action, product_id=product_id))

    suspended = act("suspend")
    assert get_product(product_id).status == ProductStatus.SUSPENDED  # type: ignore[union-attr]
    resumed = act("resume")
    assert get_product(product_id).status == ProductStatus.ACTIVE  # type: ignore[union-attr]
    deleted = act("delete")

    product = get_product(product_id)
    assert product is not None
    assert [r.data["status"] for r in (suspended, resumed, deleted)] == [
        "suspended",
        "active",
        "terminated",
    ]
    assert product.status == ProductStatus.TERMINATED
    assert product.termination_date is not None
    with session_scope() as session:
        record = session.get(InventoryProductRecord, product_id)
        assert record is not None and record.revision == 3


def test_a_product_in_the_wrong_state_is_refused_without_retry() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    product_id = _add(customer, order_id)
    run_assetize(request(order_id, "delete", product_id=product_id))

    with pytest.raises(ApplicationError) as refused:
        run_assetize(request(order_id, "resume", product_id=product_id))

    assert refused.value.type == SOUTHBOUND_PERMANENT_ERROR
    assert refused.value.non_retryable
    assert get_product(product_id).status == ProductStatus.TERMINATED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("action", "product_id", "product"),
    [
        ("upgrade", None, {}),  # no such action
        ("modify", "no-such-product", {}),
        ("add", None, {"relatedParty": [{"id": "c"}]}),  # a party without @referredType
    ],
)
def test_invalid_requests_are_refused_without_retry(
    action: str, product_id: str | None, product: dict
) -> None:
    with pytest.raises(ApplicationError) as refused:
        run_assetize(request(new_id("ord"), action, product, product_id=product_id))
    assert refused.value.non_retryable


def test_a_refused_call_records_nothing_so_a_fixed_system_can_retry_it() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    product_id = _add(customer, order_id)
    run_assetize(request(order_id, "suspend", product_id=product_id))
    resume = request(order_id, "resume", product_id=product_id, key=new_id("key"))
    run_assetize(request(order_id, "delete", product_id=product_id))
    with pytest.raises(ApplicationError):
        run_assetize(resume)

    with session_scope() as session:
        assert session.get(InventoryEffect, resume.idempotency_key) is None


def test_deassetize_undoes_the_add_it_compensates() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    add = request(order_id, "add", product_body(customer, order_id))
    product_id = run_assetize(add).reference

    undo = run_deassetize(
        request(order_id, "add", key=new_id("undo"), compensates=add.idempotency_key)
    )

    assert undo.reference == product_id
    assert get_product(product_id) is None
    assert products_for_party(customer) == []


def test_deassetize_of_nothing_is_a_noop_success() -> None:
    undo = run_deassetize(request(new_id("ord"), "add", compensates=new_id("never-applied")))
    assert undo.reference == ""
    assert undo.data["noop"] is True


def test_deassetize_without_compensates_terminates_the_product() -> None:
    # The catalog's delete action: "Terminate ... in inventory".
    customer, order_id = new_id("cust"), new_id("ord")
    product_id = _add(customer, order_id)

    result = run_deassetize(request(new_id("ord"), "delete", product_id=product_id))

    assert result.data == {"productId": product_id, "status": "terminated"}
    assert get_product(product_id).status == ProductStatus.TERMINATED  # type: ignore[union-attr]


def test_a_key_reused_for_another_operation_is_refused() -> None:
    customer, order_id = new_id("cust"), new_id("ord")
    add = request(order_id, "add", product_body(customer, order_id))
    product_id = run_assetize(add).reference

    with pytest.raises(ApplicationError):
        run_deassetize(request(order_id, "delete", product_id=product_id, key=add.idempotency_key))
    assert get_product(product_id).status == ProductStatus.ACTIVE  # type: ignore[union-attr]


def test_nothing_but_the_given_product_is_stored() -> None:
    # The request carries more than the product (the task's inputs); none of it is kept, so a
    # personal value that reaches the activity outside `product` never lands in inventory.
    customer, order_id = new_id("cust"), new_id("ord")
    secret = new_id("pin")
    add = request(
        order_id, "add", product_body(customer, order_id, technology="fiber"), portingPin=secret
    )
    product_id = run_assetize(add).reference
    run_assetize(request(order_id, "suspend", product_id=product_id, portingPin=secret))

    with session_scope() as session:
        rows = [
            *session.exec(select(InventoryProductRecord)).all(),
            *session.exec(select(InventoryProductParty)).all(),
            *session.exec(select(InventoryEffect)).all(),
        ]
        stored = json.dumps([r.model_dump(mode="json") for r in rows])
    assert product_id in stored
    assert secret not in stored
    product = get_product(product_id)
    assert product is not None
    assert product.characteristic_values() == {"technology": "fiber"}
