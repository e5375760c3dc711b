"""Order rules as catalog data: validation, conditions over the order, enrichment (pure)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cli.catalog import version_files
from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from decomposition.duplicates import find_duplicate
from decomposition.enrichment import approvals_needed, enrich_order, reenrich_patch
from decomposition.rules import Lookup, OrderRule, check_rules, lookup_values
from store.catalog_files import CatalogFileError, load_catalog_version
from tmf.product_order import OrderState, ProductOrder, ProductOrderCreate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "decomposition"))
from sample_orders import CATALOG_DIR, item, load_catalog, order  # noqa: E402

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PARIS = "12 Rue de la Paix, 75002 Paris"
LYON = "3 Chemin Vert, 69001 Lyon"

EXCHANGE_RULE: dict[str, Any] = {
    "id": "exchange-from-postcode",
    "kind": "enrich",
    "description": "Serving exchange and router model from the installation postcode",
    "when": "offering == 'fiber-broadband' and installationAddress is set",
    "lookup": {
        "source": "installationAddress",
        "extract": r"\b(\d{5})\b",
        "table": {
            "75": {"servingExchange": "PAR-01", "routerModel": "hx-700"},
            "69": {"servingExchange": "LYO-02"},
        },
    },
}
PRIORITY_RULE: dict[str, Any] = {
    "id": "business-first",
    "kind": "enrich",
    "when": "customerCategory == 'business'",
    "setPriority": "1",
}


@cache
def sample_catalog() -> CatalogVersion:
    return load_catalog()


def catalog_with(*rules: dict[str, Any]) -> CatalogVersion:
    """The sample catalog, broadband knowing its serving exchange, with these rules."""
    document = sample_catalog().model_dump(mode="json", by_alias=True, exclude_none=True)
    for spec in document["productSpecifications"]:
        if spec["id"] == "broadband":
            spec["characteristics"].append({"name": "servingExchange", "valueType": "string"})
    return CatalogVersion.model_validate({**document, "rules": list(rules)})


def fiber(address: str, **chars: Any) -> dict[str, Any]:
    return item("1", "fiber-broadband", {"installationAddress": address, **chars})


def test_rules_load_from_the_catalog_yaml_and_a_bad_one_refuses_the_version(tmp_path):
    version = tmp_path / "2026.9"
    version.mkdir()
    for path in (CATALOG_DIR / "2026.1").glob("*.yaml"):
        (version / path.name).write_text(path.read_text())
    (version / "rules.yaml").write_text(
        "rules:\n  - {id: big-orders, kind: approval, when: 'totalPrice > 500', "
        "reason: Orders above 500 EUR are approved}\n"
    )
    assert [r.id for r in load_catalog_version(version).rules] == ["big-orders"]
    (version / "rules.yaml").write_text(
        "rules:\n  - {id: typo, kind: approval, when: 'totalPrize > 500', reason: x}\n"
    )
    with pytest.raises(CatalogFileError, match="unknown names \\['totalPrize'\\]"):
        load_catalog_version(version)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"when": "channel ==", "kind": "approval", "reason": "x"}, "expected a value"),
        ({"when": "channel == 'web'", "kind": "approval"}, "needs a reason"),
        (
            {"when": "totalPrice > 9", "kind": "enrich", "setPriority": "0"},
            "only approval rules read totalPrice",
        ),
        ({"when": "channel == 'web'", "kind": "enrich"}, "needs setCharacteristics"),
        ({"when": "channel == 'web'", "kind": "duplicate"}, "needs matchCharacteristics"),
        (
            {"when": "channel == 'web'", "kind": "enrich", "setCharacteristics": {"colour": 1}},
            "sets unknown characteristic 'colour'",
        ),
        (
            {"when": "channel == 'web'", "kind": "duplicate", "matchCharacteristics": ["flat"]},
            "matches on unknown characteristic 'flat'",
        ),
        (
            {
                "when": "channel == 'web'",
                "kind": "enrich",
                "lookup": {"source": "installationAddress", "extract": "(a)(b)", "table": {"": {}}},
            },
            "exactly one group",
        ),
    ],
)
def test_a_broken_rule_is_named_with_its_problem(rule, problem):
    parsed = OrderRule.model_validate({"id": "r", **rule})
    errors = check_rules([parsed], {"installationAddress", "routerModel"})
    assert any(problem in e and "rule 'r'" in e for e in errors), errors


def test_a_rule_may_not_write_a_secret_into_the_order():
    rule = OrderRule.model_validate(
        {"id": "pin", "kind": "enrich", "when": "x == 1", "setCharacteristics": {"portingPin": "1"}}
    )
    assert check_rules([rule], {"x", "portingPin"}, frozenset({"portingPin"})) == [
        "rule 'pin': sets secret characteristic 'portingPin'"
    ]


def test_two_rules_with_one_id_are_refused():
    rule = OrderRule.model_validate(
        {"id": "r", "kind": "approval", "when": "x == 1", "reason": "y"}
    )
    assert check_rules([rule, rule], {"x"}) == ["rule 'r': id is defined twice"]


@given(st.from_regex(r"[0-9]{5}", fullmatch=True), st.text(max_size=20))
def test_lookup_takes_the_longest_matching_prefix(postcode, street):
    lookup = Lookup(
        source="address",
        extract=r"\b(\d{5})\b",
        table={"7": {"region": "north"}, "75": {"region": "paris"}, "750": {"region": "centre"}},
    )
    found = lookup_values(lookup, {"address": f"{street.replace(chr(0), '')} {postcode} X"})
    prefixes = [p for p in ("750", "75", "7") if postcode.startswith(p)]
    expected = {"750": "centre", "75": "paris", "7": "north"}
    if prefixes and not any(c.isdigit() for c in street):
        assert found == {"region": expected[prefixes[0]]}
    elif not prefixes and not any(c.isdigit() for c in street):
        assert found == {}


def test_enrichment_derives_the_exchange_and_decomposition_uses_it():
    catalog = catalog_with(EXCHANGE_RULE)
    captured = order(fiber(PARIS, downloadSpeed=500))
    enriched, done = enrich_order(captured, catalog)
    chars = enriched.product_order_item[0].product.characteristic_values()
    assert chars["servingExchange"] == "PAR-01" and chars["routerModel"] == "hx-700"
    assert [(e.rule, e.item_id) for e in done] == [("exchange-from-postcode", "1")]
    assert enriched.note[-1].author == "rule:exchange-from-postcode"
    assert "servingExchange=PAR-01" in enriched.note[-1].text
    before = decompose(captured, catalog).plan
    after = decompose(enriched, catalog).plan
    assert before is not None and after is not None

    def routers(plan) -> set[Any]:
        return {t.params.get("routerModel") for t in plan.tasks if "routerModel" in t.params}

    assert routers(before) == {"hx-500"} and routers(after) == {"hx-700"}


def test_enrichment_keeps_what_the_customer_gave_and_skips_other_postcodes():
    catalog = catalog_with(EXCHANGE_RULE)
    enriched, done = enrich_order(order(fiber(PARIS, routerModel="hx-500")), catalog)
    chars = enriched.product_order_item[0].product.characteristic_values()
    assert chars["routerModel"] == "hx-500" and chars["servingExchange"] == "PAR-01"
    assert done[0].values == {"servingExchange": "PAR-01"}
    lyon, _ = enrich_order(order(fiber(LYON)), catalog)
    assert "routerModel" not in lyon.product_order_item[0].product.characteristic_values()
    elsewhere, none = enrich_order(order(fiber("1 Main Street, 10115 Berlin")), catalog)
    assert none == [] and elsewhere.note == []


def test_priority_from_the_customer_segment_only_when_the_order_has_none():
    catalog = catalog_with(PRIORITY_RULE)
    business = order(fiber(PARIS)).model_copy(update={"category": "business"})
    enriched, done = enrich_order(business, catalog)
    assert enriched.priority == "1" and done[0].item_id is None
    given_priority = business.model_copy(update={"priority": "3"})
    assert enrich_order(given_priority, catalog)[0].priority == "3"
    residential = order(fiber(PARIS)).model_copy(update={"category": "residential"})
    assert enrich_order(residential, catalog)[0].priority is None


def test_no_rules_leaves_the_order_as_it_is():
    catalog = sample_catalog()
    captured = order(fiber(PARIS))
    assert enrich_order(captured, catalog) == (captured, [])


DUPLICATE_RULE: dict[str, Any] = {
    "id": "same-line",
    "kind": "duplicate",
    "when": "offering == 'fiber-broadband'",
    "matchCharacteristics": ["installationAddress"],
    "windowHours": 2,
}


def placed(body: Any, order_id: str, hours_ago: float, state: str = "inProgress") -> ProductOrder:
    when = NOW - timedelta(hours=hours_ago)
    return ProductOrder(
        **body.model_dump(by_alias=True, exclude_none=True),
        id=order_id,
        href=f"/o/{order_id}",
        orderDate=when,
    ).model_copy(update={"state": OrderState(state)})


def test_a_duplicate_is_an_open_order_of_the_customer_for_the_same_line_in_the_window():
    catalog = catalog_with(DUPLICATE_RULE)
    new = order(fiber(PARIS), channel="retail")
    first = placed(order(fiber(PARIS.upper())), "first", hours_ago=1)
    found = find_duplicate(new, catalog, [first], NOW)
    assert found is not None and (found.duplicates_order, found.rule) == ("first", "same-line")
    assert find_duplicate(new, catalog, [placed(order(fiber(LYON)), "o", 1)], NOW) is None
    assert find_duplicate(new, catalog, [placed(order(fiber(PARIS)), "old", 3)], NOW) is None
    done = placed(order(fiber(PARIS)), "done", 1, state="completed")
    assert find_duplicate(new, catalog, [done], NOW) is None
    other = placed(order(fiber(PARIS)), "other", 1)
    other.related_party[0].id = "someone-else"
    assert find_duplicate(new, catalog, [other], NOW) is None
    assert find_duplicate(new, sample_catalog(), [first], NOW) is None  # no rule, no duplicate


def test_rules_survive_an_export_of_the_version_as_yaml(tmp_path):
    catalog = catalog_with(PRIORITY_RULE)
    document = catalog.model_dump(mode="json", by_alias=True, exclude_none=True)
    directory = tmp_path / "2026.7"
    directory.mkdir()
    for name, content in version_files(document).items():
        (directory / name).write_text(yaml.safe_dump(content))
    assert load_catalog_version(directory).rules == catalog.rules


def test_an_order_above_the_threshold_or_from_a_partner_needs_approval():
    catalog = catalog_with(
        {
            "id": "big-orders",
            "kind": "approval",
            "when": "totalPrice > 500",
            "reason": "Orders above 500 EUR are approved by an order approver",
        },
        {
            "id": "partner-fiber",
            "kind": "approval",
            "when": "channel == 'partner' and offering == 'fiber-broadband'",
            "reason": "Partner fiber orders are checked",
        },
    )
    web = order(fiber(PARIS))
    assert approvals_needed(web, catalog, total_price=120.0) == []
    assert [r for r, _ in approvals_needed(web, catalog, total_price=900.0)] == ["big-orders"]
    assert approvals_needed(web, catalog) == []  # no price known: the threshold does not hold
    partner = order(fiber(PARIS), channel="partner")
    assert approvals_needed(partner, catalog, total_price=10.0) == [
        ("partner-fiber", "Partner fiber orders are checked")
    ]


def test_a_duplicate_is_held_for_review_unless_the_rule_says_refuse():
    first = placed(order(fiber(PARIS)), "first", hours_ago=1)
    new = order(fiber(PARIS), channel="retail")
    held = find_duplicate(new, catalog_with(DUPLICATE_RULE), [first], NOW)
    assert held is not None and held.hold and "first" in held.reason()
    refusing = catalog_with({**DUPLICATE_RULE, "onDuplicate": "refuse"})
    refused = find_duplicate(new, refusing, [first], NOW)
    assert refused is not None and not refused.hold


def _chars(o: Any) -> dict[str, Any]:
    return o.product_order_item[0].product.characteristic_values()


def test_an_amended_postcode_is_enriched_anew_and_a_value_the_client_set_is_kept():
    catalog = catalog_with(EXCHANGE_RULE)
    stored, _ = enrich_order(order(fiber(PARIS)), catalog)
    assert _chars(stored)["servingExchange"] == "PAR-01"
    # The client moves the line to Lyon, sending the item as GET showed it (enriched values in).
    moved = stored.model_copy(deep=True)
    for c in moved.product_order_item[0].product.product_characteristic:
        if c.name == "installationAddress":
            c.value = LYON
    patch = {"productOrderItem": [moved.product_order_item[0].to_tmf()]}
    sent = reenrich_patch(stored, moved, patch, catalog)
    amended = ProductOrderCreate.model_validate({**moved.to_tmf(), **sent})
    assert _chars(amended)["servingExchange"] == "LYO-02"
    assert "routerModel" not in _chars(amended)  # Lyon's row sets no router: Paris's is gone
    assert [n.text for n in amended.note if n.author] == ["Enriched item 1: servingExchange=LYO-02"]
    # The client's own router model, set with the move, stays the client's.
    for c in moved.product_order_item[0].product.product_characteristic:
        if c.name == "routerModel":
            c.value = "hx-900"
    again = reenrich_patch(stored, moved, patch, catalog)
    kept = ProductOrderCreate.model_validate({**moved.to_tmf(), **again})
    assert _chars(kept)["routerModel"] == "hx-900"
    # An amendment that changes nothing enrichment reads sends the client's patch as it was.
    same = stored.model_copy(update={"description": "call first"})
    assert reenrich_patch(stored, same, {"description": "call first"}, catalog) == {
        "description": "call first"
    }
