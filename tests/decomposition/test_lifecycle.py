"""Lifecycle moves of catalog entities and what a launched offering needs in use."""

from __future__ import annotations

import itertools

from decomposition.catalog import CatalogVersion, LifecycleStatus
from decomposition.catalog_draft import new_draft
from decomposition.lifecycle import lifecycle_problems, move_problem
from store.catalog_files import load_catalog_version
from tests.conftest import ROOT

S = LifecycleStatus
ORDER = [S.IN_DESIGN, S.IN_TEST, S.ACTIVE, S.LAUNCHED, S.RETIRED, S.OBSOLETE]


def test_nothing_goes_back_but_a_test_to_design() -> None:
    for before, after in itertools.product(ORDER, ORDER):
        allowed = move_problem("productOffering", before, after) is None
        backwards = ORDER.index(after) < ORDER.index(before)
        if backwards:
            assert allowed == ((before, after) == (S.IN_TEST, S.IN_DESIGN)), (before, after)
    # Forward, one stage at a time: In design cannot skip its test.
    assert move_problem("productOffering", S.IN_DESIGN, S.LAUNCHED) is not None
    assert move_problem("productOffering", S.IN_TEST, S.LAUNCHED) is None
    assert move_problem("category", S.IN_TEST, S.LAUNCHED) is not None
    assert move_problem("category", S.IN_TEST, S.ACTIVE) is None
    assert move_problem("category", S.RETIRED, S.OBSOLETE) is None


def test_the_seed_catalog_has_nothing_launched_on_what_is_not_in_use() -> None:
    seed = load_catalog_version(ROOT / "catalog" / "2026.1")
    assert lifecycle_problems(seed) == []
    document = new_draft(seed)
    for spec in document["resourceSpecifications"]:
        if spec["id"] == "router":
            spec["lifecycleStatus"] = "Retired"
    changed = CatalogVersion.model_validate(document)
    problems = lifecycle_problems(changed)
    assert (
        "offering 'fiber-broadband' is Launched but specification 'router' it is fulfilled "
        "by is Retired"
    ) in problems
    # Only offerings whose fulfillment reaches the router.
    assert all("router" in p for p in problems)
    assert not any("mobile" in p for p in problems)
