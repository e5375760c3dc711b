"""Sealing secret characteristics (decomposition/secrets.py): a porting PIN leaves the order."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from sample_orders import PORT_IN, VALID, item, order

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from decomposition.secrets import is_sealed, seal_order, seal_values, secret_rules
from tmf.product_order import ProductOrderCreate

MOBILE = {**VALID["mobile-postpaid"], **PORT_IN}


def refs() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"sealed:{next(counter):032x}"


def document(*items: dict[str, object]) -> dict[str, object]:
    return order(*items).model_dump(by_alias=True, exclude_none=True)


def chars(doc: dict[str, object], index: int = 0) -> dict[str, object]:
    product = doc["productOrderItem"][index]["product"]  # type: ignore[index]
    return {c["name"]: c["value"] for c in product["productCharacteristic"]}


def test_the_catalog_marks_the_porting_pin_and_nothing_else(catalog: CatalogVersion) -> None:
    assert set(secret_rules(catalog)) == {"portingPin"}


def test_each_item_s_pin_is_replaced_by_its_own_reference(catalog: CatalogVersion) -> None:
    fiber = item("2", "fiber-broadband", VALID["fiber-broadband"])
    doc = document(
        item("1", "mobile-postpaid", MOBILE), fiber, item("3", "mobile-postpaid", MOBILE)
    )

    sealing = seal_order(doc, secret_rules(catalog), refs())

    assert sealing.problems == []
    assert [(s.ref, s.name, s.value) for s in sealing.sealed] == [
        ("sealed:" + f"{1:032x}", "portingPin", "4321"),
        ("sealed:" + f"{2:032x}", "portingPin", "4321"),
    ]
    assert chars(sealing.document, 0)["portingPin"] == sealing.sealed[0].ref
    assert chars(sealing.document, 2)["portingPin"] == sealing.sealed[1].ref
    # Everything else is as it was, and the input is not changed.
    assert {**chars(sealing.document, 0), "portingPin": "4321"} == chars(doc, 0)
    assert chars(sealing.document, 1) == chars(doc, 1)
    assert chars(doc, 0)["portingPin"] == "4321"


def test_bad_values_and_foreign_references_are_problems(catalog: CatalogVersion) -> None:
    rules = secret_rules(catalog)
    foreign = "sealed:" + "f" * 32
    for value in ("12", "12ab", 4321, foreign):
        doc = document(item("1", "mobile-postpaid", {**MOBILE, "portingPin": value}))
        sealing = seal_order(doc, rules, refs())
        assert sealing.sealed == [], value
        assert len(sealing.problems) == 1 and "productOrderItem[0]" in sealing.problems[0], value
        assert "portingPin" in sealing.problems[0]

    # The order's own reference, sent back as GET showed it, passes unchanged.
    doc = document(item("1", "mobile-postpaid", {**MOBILE, "portingPin": foreign}))
    kept = seal_order(doc, rules, refs(), kept={foreign})
    assert (kept.problems, kept.sealed, chars(kept.document)["portingPin"]) == ([], [], foreign)


def test_corrected_task_data_is_sealed_by_name(catalog: CatalogVersion) -> None:
    sealing = seal_values(
        {"portingPin": "987654", "msisdn": "+33600000000"}, secret_rules(catalog), refs()
    )
    assert sealing.document == {"portingPin": "sealed:" + f"{1:032x}", "msisdn": "+33600000000"}
    assert [s.value for s in sealing.sealed] == ["987654"]
    assert seal_values({"portingPin": "x"}, secret_rules(catalog), refs()).problems


@given(pin=st.from_regex(r"[0-9]{4,8}", fullmatch=True))
def test_a_sealed_order_plans_like_the_open_one_with_the_reference_in_place(
    catalog: CatalogVersion, pin: str
) -> None:
    doc = document(item("1", "mobile-postpaid", {**MOBILE, "portingPin": pin}))
    sealing = seal_order(doc, secret_rules(catalog), refs())
    [sealed] = sealing.sealed

    open_plan = decompose(ProductOrderCreate.model_validate(doc), catalog).plan
    sealed_plan = decompose(ProductOrderCreate.model_validate(sealing.document), catalog).plan

    assert open_plan is not None and sealed_plan is not None
    with_pin = [t for t in sealed_plan.tasks if is_sealed(t.params.get("portingPin"))]
    assert [t.id for t in with_pin] == ["service-rfs-number-port-1:port-in"]
    assert with_pin[0].params["portingPin"] == sealed.ref
    assert sealed_plan.model_dump_json().replace(sealed.ref, pin) == open_plan.model_dump_json()
