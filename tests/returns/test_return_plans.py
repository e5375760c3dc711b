"""A return's plan follows its remedy and its policy; its settlement follows the inspection.
Pure: decomposition and decomposition/returns.py, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.return_view import return_state
from decomposition.catalog import CatalogVersion, ProductOffering, ReturnPolicy, ReturnRemedy
from decomposition.decompose import decompose
from decomposition.plan import Plan
from decomposition.pricing import price_order
from decomposition.returns import (
    Disposition,
    Inspection,
    device_price,
    refundable_price,
    remedy_refusal,
    return_refusal,
    settle,
)
from tests.decomposition.sample_orders import item, load_catalog, order, owned
from tmf.product_inventory import Product

CATALOG = load_catalog()
_HANDSET = CATALOG.offering("handset-nova-x5")
assert _HANDSET is not None and _HANDSET.return_policy is not None
HANDSET: ProductOffering = _HANDSET
POLICY: ReturnPolicy = _HANDSET.return_policy
DELIVERED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PHONE = {"model": "nova-x5", "color": "black", "storageGb": 128, "deliveryAddress": "75001 Paris"}


def _plan(remedy: str | None, segment: str | None = None, **chars: Any) -> Plan:
    handset = owned("prd-h1", "handset-nova-x5", "handset", PHONE)
    handset = handset.model_copy(update={"start_date": DELIVERED})
    given = {**chars, **({"returnType": remedy} if remedy else {})}
    body = order(item("1", None, given, action="delete", product_id="prd-h1"))
    if segment:
        body = body.model_copy(update={"category": segment})
    result = decompose(body, CATALOG, [handset], order_id="ret-1")
    assert result.plan is not None, result.problems
    return result.plan


def _keys(plan: Plan) -> dict[str, list[str]]:
    by_id = {t.id: t.key for t in plan.tasks}
    return {t.key: [by_id[d] for d in t.depends_on] for t in plan.tasks}


def test_a_refund_labels_inspects_settles_and_ends_the_product() -> None:
    for remedy in (None, "refund"):
        keys = _keys(_plan(remedy))
        assert set(keys) == {"return-label", "receive-return", "settle", "deassetize"}
        assert keys["settle"] == ["receive-return"]
        assert "receive-return" in keys["deassetize"] or "settle" in keys["deassetize"]


def test_an_exchange_ships_the_replacement_before_the_return_arrives() -> None:
    plan = _plan("exchange")
    keys = _keys(plan)
    assert set(keys) == {"return-label", "ship-replacement", "receive-return", "settle"}
    # Shipped once the label exists, whatever the returns desk does: not after the receipt.
    assert keys["ship-replacement"] == ["return-label"]
    ship = next(t for t in plan.tasks if t.key == "ship-replacement")
    assert ship.system == "shipping" and ship.operation == "ship"
    assert ship.params["model"] == "nova-x5"
    # No deassetization: the customer keeps a handset of the offering.
    assert "deassetize" not in keys


def test_a_repair_sends_the_unit_to_repair_and_back() -> None:
    keys = _keys(_plan("repair", returnReason="faulty"))
    assert keys["repair"] == ["receive-return"] and keys["ship-repaired"] == ["repair"]
    assert "ship-replacement" not in keys and "deassetize" not in keys


def test_the_receiving_task_of_a_refund_or_a_shipped_ahead_replacement_has_the_windows_end() -> (
    None
):
    for remedy, segment, days in [
        ("exchange", None, 14),
        ("replacement", None, 14),
        ("exchange", "business", 30),
        ("refund", None, 14),
        ("refund", "business", 30),
    ]:
        receive = next(t for t in _plan(remedy, segment).tasks if t.key == "receive-return")
        closes = (DELIVERED + timedelta(days=days)).isoformat().replace("+00:00", "Z")
        assert receive.params["deadline"] == closes
        assert receive.params["resultAtDeadline"] == {"received": False}
    # A repair waits for its unit: the repair job needs the handset.
    repair = next(t for t in _plan("repair").tasks if t.key == "receive-return")
    assert "deadline" not in repair.params and "resultAtDeadline" not in repair.params


def test_the_inspection_has_a_structured_result() -> None:
    receive = next(t for t in _plan("refund").tasks if t.key == "receive-return")
    assert receive.queue == "returns-desk" and receive.result_schema is not None
    props = receive.result_schema["properties"]
    assert props["conditionGrade"] == {"type": "string", "enum": ["A", "B", "C", "D"]}
    assert set(receive.result_schema["required"]) == {
        "received",
        "conditionGrade",
        "accessoriesComplete",
        "serialMatches",
    }


def test_window_and_remedies_by_segment() -> None:
    now = DELIVERED + timedelta(days=20)
    refused = return_refusal(HANDSET, DELIVERED, now)
    assert refused is not None and "within 14 days of delivery" in refused
    assert return_refusal(HANDSET, DELIVERED, now, segment="business") is None
    late = return_refusal(HANDSET, DELIVERED, DELIVERED + timedelta(days=31), "business")
    assert late is not None and "within 30 days of delivery for business customers" in late
    limited = POLICY.model_copy(
        update={"segments": {"partner": POLICY.segments["business"].model_copy(
            update={"remedies": [ReturnRemedy.REFUND]})}}
    )  # fmt: skip
    offering = HANDSET.model_copy(update={"return_policy": limited})
    assert remedy_refusal(offering, "partner", ReturnRemedy.REFUND) is None
    refusal = remedy_refusal(offering, "partner", ReturnRemedy.EXCHANGE)
    assert refusal is not None and "offers refund, not exchange" in refusal
    assert remedy_refusal(offering, None, ReturnRemedy.EXCHANGE) is None


def test_the_device_price_is_the_one_time_price_of_its_storage() -> None:
    assert device_price(CATALOG, HANDSET, {"storageGb": 128})[0] == Decimal("599.00")
    assert device_price(CATALOG, HANDSET, {"storageGb": 256})[0] == Decimal("699.00")


PRICE = Decimal("599.00")
grades = st.sampled_from(["A", "B", "C", "D"])
inspections = st.builds(
    Inspection,
    received=st.booleans(),
    condition_grade=grades,
    accessories_complete=st.booleans(),
    serial_matches=st.booleans(),
)


def test_a_refund_follows_the_policy() -> None:
    good = Inspection(condition_grade="A")
    full = settle(POLICY, None, ReturnRemedy.REFUND, "changedMind", good, PRICE)
    assert full.refund == Decimal("539.10") and full.restocking_fee == Decimal("59.90")
    assert full.disposition == Disposition.RESTOCK
    business = settle(POLICY, "business", ReturnRemedy.REFUND, "changedMind", good, PRICE)
    assert business.refund == PRICE and business.restocking_fee == 0
    worn = Inspection(condition_grade="B", accessories_complete=False)
    partial = settle(POLICY, None, ReturnRemedy.REFUND, "changedMind", worn, PRICE)
    # 80% of the price, less 10% for the accessories and the 10% fee.
    assert partial.refund == Decimal("359.40") and partial.disposition == Disposition.REFURBISH
    faulty = settle(
        POLICY, None, ReturnRemedy.REFUND, "faulty", Inspection(condition_grade="C"), PRICE
    )
    assert faulty.refund == PRICE and faulty.disposition == Disposition.REFURBISH


def test_an_exchange_never_returned_charges_the_replacement() -> None:
    lost = settle(POLICY, None, ReturnRemedy.EXCHANGE, None, Inspection(received=False), PRICE)
    assert lost.charge == PRICE and lost.refund == 0 and lost.disposition == Disposition.NONE
    back = settle(POLICY, None, ReturnRemedy.EXCHANGE, None, Inspection(condition_grade="B"), PRICE)
    assert back.charge == Decimal("119.80") and back.disposition == Disposition.REFURBISH
    swapped = settle(
        POLICY, None, ReturnRemedy.REPLACEMENT, "faulty", Inspection(condition_grade="B"), PRICE
    )
    assert swapped.charge == 0 and swapped.disposition == Disposition.REFURBISH


@settings(max_examples=300)
@given(
    inspections,
    st.sampled_from(list(ReturnRemedy)),
    st.sampled_from([None, "changedMind", "faulty", "damaged"]),
    st.sampled_from([None, "business", "residential"]),
    st.decimals(min_value=0, max_value=5000, places=2),
)
def test_a_settlement_never_refunds_or_charges_more_than_the_price(
    inspection: Inspection,
    remedy: ReturnRemedy,
    reason: str | None,
    segment: str | None,
    price: Decimal,
) -> None:
    settled = settle(POLICY, segment, remedy, reason, inspection, price)
    assert Decimal("0") <= settled.refund <= price and Decimal("0") <= settled.charge <= price
    assert not (settled.refund and settled.charge)  # one direction at a time
    if settled.refund:
        assert settled.refund + settled.restocking_fee + settled.deduction == price
    if not inspection.received:
        assert settled.refund == 0 and settled.disposition == Disposition.NONE
        ahead = remedy in (ReturnRemedy.EXCHANGE, ReturnRemedy.REPLACEMENT)
        assert settled.charge == (price if ahead else 0)
    if reason == "faulty":
        assert settled.restocking_fee == 0
    if remedy == ReturnRemedy.REPAIR and inspection.received and inspection.serial_matches:
        assert settled.disposition == Disposition.REPAIR and not settled.refund


@given(grades, grades, st.booleans(), st.sampled_from([None, "business"]))
def test_a_better_grade_never_refunds_less(
    first: str, second: str, accessories: bool, segment: str | None
) -> None:
    better, worse = sorted([first, second])  # "A" is the best grade

    def refund(grade: str) -> Decimal:
        seen = Inspection(condition_grade=grade, accessories_complete=accessories)
        return settle(POLICY, segment, ReturnRemedy.REFUND, "changedMind", seen, PRICE).refund

    assert refund(better) >= refund(worse)


def test_the_refundable_price_is_what_inventory_recorded_as_paid() -> None:
    handset = owned("prd-h1", "handset-nova-x5", "handset", PHONE)
    assert refundable_price(CATALOG, HANDSET, handset) == (Decimal("599.00"), "EUR")
    paid = {"taxIncludedAmount": {"unit": "EUR", "value": 569.05}}
    monthly = {"taxIncludedAmount": {"unit": "EUR", "value": 10}}
    recorded = Product.model_validate(
        {
            **handset.to_tmf(),
            "productPrice": [
                {"priceType": "oneTime", "price": paid},
                {"priceType": "recurring", "recurringChargePeriod": "month", "price": monthly},
            ],
        }
    )
    # The device as paid (after its online discount); never the service's recurring charge.
    assert refundable_price(CATALOG, HANDSET, recorded) == (Decimal("569.05"), "EUR")


def test_the_return_is_priced_as_its_policy_refunds_it() -> None:
    handset = owned("prd-h1", "handset-nova-x5", "handset", PHONE)

    def price(segment: str | None, channel: str | None = None, **chars: Any) -> list[Any]:
        body = order(item("1", None, chars, action="delete", product_id="prd-h1"), channel=channel)
        if segment:
            body = body.model_copy(update={"category": segment})
        priced = price_order(body, CATALOG, [handset])
        return [p.price.tax_included_amount.value for p in priced.item_price.get("1", [])]  # type: ignore[union-attr]

    assert price(None) == [-539.10]  # 599.00 less the 10% restocking fee
    assert price(None, "web") == [-512.14]  # as paid online (569.05), less the fee (56.91)
    assert price("business") == [-599.00]
    assert price(None, returnType="exchange") == []  # nothing changes hands at capture


def _ancestors(plan: Plan, task_id: str) -> set[str]:
    by_id = {t.id: t for t in plan.tasks}
    seen: set[str] = set()
    stack = list(by_id[task_id].depends_on)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(by_id[current].depends_on)
    return {by_id[t].key for t in seen}


@settings(max_examples=60)
@given(
    st.sampled_from([None, *[r.value for r in ReturnRemedy]]),
    st.sampled_from([None, "changedMind", "faulty", "damaged", "wrongItem"]),
    st.sampled_from([None, "business", "residential"]),
    st.sampled_from(["black", "silver", "blue"]),
)
def test_every_return_plan_follows_its_remedy(
    remedy: str | None, reason: str | None, segment: str | None, color: str
) -> None:
    chars = {"color": color, **({"returnReason": reason} if reason else {})}
    plan = _plan(remedy, segment, **chars)
    keys = {t.key: t for t in plan.tasks}
    kind = ReturnRemedy(remedy or "refund")
    assert plan.topological_order()  # acyclic
    # Every return is labelled, inspected by the returns desk, then settled.
    assert {"return-label", "receive-return", "settle"} <= set(keys)
    assert "receive-return" in _ancestors(plan, keys["settle"].id)
    # Only a refund ends the product; only a shipped-ahead remedy ships a replacement, and
    # never after the return is received.
    assert ("deassetize" in keys) == (kind == ReturnRemedy.REFUND)
    ahead = kind in (ReturnRemedy.EXCHANGE, ReturnRemedy.REPLACEMENT)
    assert ("ship-replacement" in keys) == ahead
    if ahead:
        assert "receive-return" not in _ancestors(plan, keys["ship-replacement"].id)
        assert keys["ship-replacement"].params["color"] == color
    assert ("repair" in keys) == (kind == ReturnRemedy.REPAIR)
    assert ("deadline" in keys["receive-return"].params) == (kind != ReturnRemedy.REPAIR)
    if kind == ReturnRemedy.REFUND:  # the product ends only if the handset came back
        assert keys["deassetize"].params["inspection"] == "receive-return"


def test_a_dependency_on_a_task_left_out_by_its_condition_is_replaced_by_its_own() -> None:
    data = CATALOG.model_dump(by_alias=True, exclude_none=True, mode="json")
    spec = next(s for s in data["productSpecifications"] if s["id"] == "handset")
    settle_task = next(t for t in spec["tasks"]["delete"] if t["key"] == "settle")
    settle_task["dependsOn"] = ["receive-return", "ship-replacement"]
    catalog = CatalogVersion.model_validate(data)
    handset = owned("prd-h1", "handset-nova-x5", "handset", PHONE)

    def settle_after(remedy: str) -> set[str]:
        given = {"returnType": remedy}
        body = order(item("1", None, given, action="delete", product_id="prd-h1"))
        plan = decompose(body, catalog, [handset], order_id="ret-1").plan
        assert plan is not None
        (settle,) = [t for t in plan.tasks if t.key == "settle"]
        return {dep.rsplit(":", 1)[-1] for dep in settle.depends_on}

    assert settle_after("exchange") == {"receive-return", "ship-replacement"}
    # No replacement in a refund: the settlement waits for what the shipment waited for.
    assert settle_after("refund") == {"receive-return", "return-label"}


def test_the_customer_sees_the_return_move_through_its_states() -> None:
    seen = [
        return_state("acknowledged", {}),
        return_state("inProgress", {"return-label": "completed", "receive-return": "running"}),
        return_state("inProgress", {"return-label": "completed", "receive-return": "completed"}),
        return_state(
            "inProgress",
            {"receive-return": "completed", "settle": "completed", "ship-repaired": "pending"},
        ),
        return_state("completed", {"receive-return": "completed", "settle": "completed"}),
    ]
    assert seen == ["authorized", "awaitingReturn", "inspected", "inRepair", "settled"]
    assert return_state("cancelled", {"return-label": "completed"}) == "cancelled"
