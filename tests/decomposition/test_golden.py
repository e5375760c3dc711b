"""Golden plans: the plan of each sample offering, and of the triple-play bundle.

A change of the catalog or the decomposer that changes a plan shows here as a diff to review.
Regenerate on purpose with `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/decomposition`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sample_orders import PORT_IN, VALID, item, order

from decomposition.catalog import CatalogVersion
from decomposition.decompose import decompose
from decomposition.preview import preview_plan

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "fiber-broadband": order(item("1", "fiber-broadband", VALID["fiber-broadband"])),
    "dsl-broadband": order(item("1", "dsl-broadband", VALID["dsl-broadband"])),
    "mobile-postpaid-port-in": order(
        item("1", "mobile-postpaid", {**VALID["mobile-postpaid"], **PORT_IN})
    ),
    "iptv-with-broadband": order(
        item("1", "fiber-broadband", VALID["fiber-broadband"]),
        item("2", "iptv", VALID["iptv"], relies_on=("1",)),
    ),
    "triple-play": order(item("1", "triple-play", VALID["triple-play"])),
    "sdwan-enterprise": order(
        item("1", "sdwan-enterprise", VALID["sdwan-enterprise"]), channel="partner"
    ),
    "handset-nova-x5": order(item("1", "handset-nova-x5", VALID["handset-nova-x5"])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_plan(catalog: CatalogVersion, name: str) -> None:
    plan = decompose(CASES[name], catalog, order_id=f"golden-{name}").plan
    assert plan is not None
    preview = preview_plan(plan)
    actual = json.dumps(preview.model_dump(mode="json"), indent=2) + "\n"
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual)
    assert path.exists(), f"no golden for {name}: run with UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(), f"plan of {name} changed; review, then UPDATE_GOLDEN=1"
