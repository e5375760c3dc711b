"""Staggered decomposition: what lacks information waits, the rest proceeds."""

from __future__ import annotations

import pytest
from sample_orders import VALID, item, order

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose, extend_plan
from decomposition.plan import diff

ADDRESS = VALID["fiber-broadband"]["installationAddress"]
NO_ADDRESS = {"downloadSpeed": 500}


def test_broadband_without_address_is_deferred_while_mobile_is_planned(
    catalog: CatalogVersion,
) -> None:
    o = order(
        item("bb", "fiber-broadband", NO_ADDRESS),
        item("m", "mobile-postpaid", VALID["mobile-postpaid"]),
    )
    plan = decompose(o, catalog).plan
    assert plan is not None
    assert {t.item_id for t in plan.tasks} == {"m"}
    [deferred] = plan.deferred
    assert (deferred.item_id, deferred.spec_id, deferred.missing) == (
        "bb",
        "broadband",
        ["installationAddress"],
    )


def test_adding_the_address_extends_the_plan_with_only_the_deferred_part(
    catalog: CatalogVersion,
) -> None:
    first = order(
        item("bb", "fiber-broadband", NO_ADDRESS),
        item("m", "mobile-postpaid", VALID["mobile-postpaid"]),
    )
    running = decompose(first, catalog, order_id="ord-7").plan
    assert running is not None
    completed = order(
        item("bb", "fiber-broadband", {**NO_ADDRESS, "installationAddress": ADDRESS}),
        item("m", "mobile-postpaid", VALID["mobile-postpaid"]),
    )
    result = extend_plan(running, completed, catalog)
    assert result.plan is not None
    extended = result.plan
    assert extended.deferred == [] and extended.order_id == "ord-7"
    changes = diff(running, extended)
    assert changes.removed == [] and changes.changed == []
    assert sorted(changes.unchanged) == sorted(t.id for t in running.tasks)
    assert {extended.task(i).item_id for i in changes.added} == {"bb"}
    # The same plan as if the address had been there from the start.
    at_once = decompose(completed, catalog, order_id="ord-7").plan
    assert at_once is not None
    assert sorted(t.model_dump_json() for t in extended.tasks) == sorted(
        t.model_dump_json() for t in at_once.tasks
    )
    extended.topological_order()  # still a DAG


def test_what_relies_on_a_deferred_product_waits_too(catalog: CatalogVersion) -> None:
    chars = {k: v for k, v in VALID["triple-play"].items() if k != "installationAddress"}
    plan = decompose(order(item("3", "triple-play", chars)), catalog).plan
    assert plan is not None
    deferred = {d.product_key: d for d in plan.deferred}
    assert deferred["3/broadband"].missing == ["installationAddress"]
    assert deferred["3/iptv"].waiting_for == ["3/broadband"]  # IPTV relies on the broadband
    assert set(deferred["3"].waiting_for) == {"3/broadband", "3/iptv"}  # the bundle root
    assert {t.product_key for t in plan.tasks} == {"3/mobile"}
    extended = extend_plan(plan, order(item("3", "triple-play", VALID["triple-play"])), catalog)
    assert extended.plan is not None and extended.plan.deferred == []
    assert {t.product_key for t in extended.plan.tasks} == {
        "3",
        "3/broadband",
        "3/iptv",
        "3/mobile",
    }


def test_extension_still_missing_information_keeps_it_deferred(catalog: CatalogVersion) -> None:
    o = order(item("bb", "fiber-broadband", NO_ADDRESS))
    plan = decompose(o, catalog).plan
    assert plan is not None and plan.tasks == []
    again = extend_plan(plan, o, catalog)
    assert again.plan is not None and again.plan.tasks == []
    assert again.plan.deferred == plan.deferred


def test_extension_must_use_the_plans_catalog_version(catalog: CatalogVersion) -> None:
    o = order(item("bb", "fiber-broadband", NO_ADDRESS))
    plan = decompose(o, catalog).plan
    assert plan is not None
    other = catalog.model_copy(update={"version": "2026.2"})
    with pytest.raises(ValueError, match="2026.1"):
        extend_plan(plan, o, other)
