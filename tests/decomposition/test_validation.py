"""Every problem code, each with the reason naming the offending element."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sample_orders import PORT_IN, VALID, item, order, owned

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from tmf.product_inventory import Product
from tmf.product_order import ProductOrderCreate

FIBER = VALID["fiber-broadband"]
OWNED_FIBER = owned(
    "prod-fiber-1",
    "fiber-broadband",
    "broadband",
    {"technology": "fiber", "downloadSpeed": 100, "installationAddress": "1 Main St"},
)


def _codes(
    catalog: CatalogVersion, o: ProductOrderCreate, inventory: Sequence[Product] = ()
) -> list[str]:
    result = decompose(o, catalog, list(inventory))
    assert result.plan is None and not result.accepted
    return [p.code for p in result.problems]


@pytest.mark.parametrize(
    ("o", "code", "words"),
    [
        (order(item("1", "fiber-tv")), "UnknownOffering", "fiber-tv"),
        (order(item("1", None)), "MissingOffering", "productOffering"),
        (order(item("1", "sdwan-enterprise", {"siteCount": 2})), "OfferingNotInChannel", "web"),
        (order(item("1", "fiber-broadband", FIBER), channel="fax"), "UnknownChannel", "fax"),
        (
            order(item("1", "mobile-postpaid", {"simType": "esim"})),
            "MissingCharacteristic",
            "dateOfBirth",
        ),
        # requiredWhen: a port-in needs the number, the donor and the PIN.
        (
            order(item("1", "mobile-postpaid", {**VALID["mobile-postpaid"], "numberPortIn": True})),
            "MissingCharacteristic",
            "portingPin",
        ),
        (
            order(item("1", "sdwan-enterprise", {"siteCount": "three"}), channel="partner"),
            "InvalidCharacteristicType",
            "integer",
        ),
        (
            order(item("1", "fiber-broadband", {**FIBER, "downloadSpeed": 300})),
            "InvalidCharacteristicValue",
            "300",
        ),
        # The DSL offering does not sell 1 Gbit/s, though the broadband spec knows it.
        (
            order(item("1", "dsl-broadband", {**FIBER, "downloadSpeed": 1000})),
            "InvalidCharacteristicValue",
            "DSL Broadband",
        ),
        (
            order(item("1", "sdwan-enterprise", {"siteCount": 51}), channel="partner"),
            "InvalidCharacteristicValue",
            "maximum",
        ),
        (
            order(
                item(
                    "1",
                    "mobile-postpaid",
                    {**VALID["mobile-postpaid"], **PORT_IN, "portingPin": "12ab"},
                )
            ),
            "InvalidCharacteristicValue",
            "portingPin",
        ),
        (
            order(item("1", "fiber-broadband", {**FIBER, "colour": "red"})),
            "UnknownCharacteristic",
            "colour",
        ),
        (order(item("1", "iptv", VALID["iptv"])), "MissingReliedOnProduct", "broadband"),
        (
            order(
                item("1", "fiber-broadband", FIBER, relies_on=("2",)),
                item("2", "iptv", VALID["iptv"], relies_on=("1",)),
            ),
            "DependencyCycle",
            "1 -> 2 -> 1",
        ),
        (
            order(
                item("1", "fiber-broadband", FIBER),
                item("1", "handset-nova-x5", VALID["handset-nova-x5"]),
            ),
            "DuplicateItemId",
            "'1'",
        ),
        (order(item("1", "iptv", VALID["iptv"], relies_on=("9",))), "UnknownRelatedItem", "'9'"),
        (
            order(item("1", "fiber-broadband", {"downloadSpeed": 1000}, action="modify")),
            "MissingProductId",
            "product.id",
        ),
    ],
)
def test_problem_codes(
    catalog: CatalogVersion, o: ProductOrderCreate, code: str, words: str
) -> None:
    result = decompose(o, catalog)
    assert result.plan is None
    matching = [p for p in result.problems if p.code == code]
    assert matching, result.problems
    assert any(words in p.reason for p in matching), matching
    assert all(p.item_id is not None for p in matching) or code == "UnknownChannel"


@pytest.mark.parametrize("action", ["modify", "delete", "suspend", "resume"])
def test_acting_on_a_product_the_customer_does_not_own(
    catalog: CatalogVersion, action: str
) -> None:
    o = order(item("1", None, action=action, product_id="prod-unknown"))
    assert _codes(catalog, o, [OWNED_FIBER]) == ["ProductNotOwned"]


def test_someone_elses_product_is_not_owned(catalog: CatalogVersion) -> None:
    theirs = owned(
        "prod-9", "fiber-broadband", "broadband", {"technology": "fiber"}, customer="cust-other"
    )
    o = order(item("1", None, {"downloadSpeed": 1000}, action="modify", product_id="prod-9"))
    assert _codes(catalog, o, [theirs]) == ["ProductNotOwned"]


def test_resume_of_an_active_product_is_refused(catalog: CatalogVersion) -> None:
    o = order(item("1", None, action="resume", product_id="prod-fiber-1"))
    assert _codes(catalog, o, [OWNED_FIBER]) == ["InvalidProductState"]


def test_modify_cannot_change_a_non_modifiable_characteristic(catalog: CatalogVersion) -> None:
    # Moving house is a new line, not a change of this one.
    moved = {"installationAddress": "9 Avenue Foch, Paris"}
    o = order(item("1", None, moved, action="modify", product_id="prod-fiber-1"))
    assert _codes(catalog, o, [OWNED_FIBER]) == ["CharacteristicNotModifiable"]


def test_modify_naming_another_offering(catalog: CatalogVersion) -> None:
    o = order(item("1", "dsl-broadband", {}, action="modify", product_id="prod-fiber-1"))
    assert _codes(catalog, o, [OWNED_FIBER]) == ["OfferingMismatch"]


def test_suspend_of_a_handset_is_not_supported(catalog: CatalogVersion) -> None:
    phone = owned("prod-phone", "handset-nova-x5", "handset", {"model": "nova-x5"})
    o = order(item("1", None, action="suspend", product_id="prod-phone"))
    assert _codes(catalog, o, [phone]) == ["UnsupportedAction"]


def test_modify_that_changes_the_realization_is_refused(catalog: CatalogVersion) -> None:
    # More set-top boxes would mean new resources: not a modify of this product.
    tv = owned(
        "prod-tv", "iptv", "iptv", {"package": "basic", "setTopBoxCount": 1, "deliveryAddress": "x"}
    )
    o = order(item("1", None, {"setTopBoxCount": 2}, action="modify", product_id="prod-tv"))
    assert _codes(catalog, o, [tv]) == ["UnsupportedModification"]


def test_valid_values_are_normalized(catalog: CatalogVersion) -> None:
    # "500" and 500 are the same speed: the plans are identical.
    as_text = decompose(
        order(item("1", "fiber-broadband", {**FIBER, "downloadSpeed": "500"})), catalog
    )
    as_number = decompose(order(item("1", "fiber-broadband", FIBER)), catalog)
    assert as_text.plan is not None and as_number.plan is not None
    assert as_text.plan.model_dump_json() == as_number.plan.model_dump_json()
