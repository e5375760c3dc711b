"""A client that reads only TMF620 builds, for every sellable offering, an order that is
accepted and plans: the catalog's representation says everything an order needs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_orders import load_catalog

from decomposition import tmf620
from decomposition.decompose import decompose
from tests.tmf620_client import Tmf620Catalog, order_for
from tmf.product_order import ProductOrderCreate

CATALOG = load_catalog()
TMF620 = Tmf620Catalog(
    [o.to_tmf() for o in tmf620.product_offerings(CATALOG)],
    [s.to_tmf() for s in tmf620.product_specifications(CATALOG)],
)


def test_every_sellable_offering_is_covered() -> None:
    assert sorted(TMF620.sellable()) == sorted(
        o.id for o in CATALOG.offerings if o.sellable and o.orderable
    )


@pytest.mark.parametrize("offering", TMF620.sellable())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_order_built_from_tmf620_alone_is_accepted_and_plans(
    offering: str, data: st.DataObject
) -> None:
    body = data.draw(order_for(TMF620, offering))
    result = decompose(ProductOrderCreate.model_validate(body), CATALOG)

    assert result.problems == [], (body, [p.reason for p in result.problems])
    assert result.plan is not None
    assert not result.plan.deferred, "every characteristic needed to decompose was given"
    planned = {d.offering_id for d in result.plan.domain_orders if d.domain == "product"}
    assert offering in planned
    expected = {b["id"] for b in TMF620.offerings[offering].get("bundledProductOffering", [])}
    assert expected <= planned, "every bundled offering is planned"
