"""Return policies: a return outside its offering's window is refused at capture with the
policy's reason; inside it, the return is accepted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from decomposition.returns import return_refusal
from store.catalogs import catalog_version
from store.inventory import create_product
from tests.helpers import ORDERS
from tests.sample_orders import order_body
from tmf.product_inventory import Product

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@settings(deadline=None)  # the first example loads the catalog
@given(st.integers(0, 60), st.integers(0, 90 * 24 * 3600))
def test_a_return_is_refused_exactly_after_the_window(window: int, age_seconds: int) -> None:
    offering = catalog_version().offering("handset-nova-x5")
    assert offering is not None and offering.return_policy is not None
    policy = offering.return_policy.model_copy(update={"window_days": window})
    offering = offering.model_copy(update={"return_policy": policy})
    delivered = NOW - timedelta(seconds=age_seconds)

    refusal = return_refusal(offering, delivered, NOW)

    assert (refusal is not None) == (age_seconds > window * 24 * 3600)
    if refusal:
        assert f"within {window} days of delivery" in refusal


def _handset(customer: str, delivered: datetime) -> str:
    product_id = f"prd-{uuid.uuid4()}"
    create_product(
        Product.model_validate(
            {
                "id": product_id,
                "status": "active",
                "startDate": delivered.isoformat(),
                "productOffering": {"id": "handset-nova-x5"},
                "relatedParty": [
                    {"id": customer, "role": "customer", "@referredType": "Individual"}
                ],
            }
        )
    )
    return product_id


def _return(product_id: str, customer: str) -> dict[str, object]:
    item = {"id": "1", "action": "delete", "product": {"id": product_id}}
    return order_body([item], customer=customer)


async def test_a_return_outside_the_window_is_refused_with_the_policys_reason(
    http: httpx.AsyncClient,
) -> None:
    customer = f"ret-{uuid.uuid4()}"
    old = _handset(customer, datetime.now(UTC) - timedelta(days=30))
    recent = _handset(customer, datetime.now(UTC) - timedelta(days=3))

    refused = await http.post(ORDERS, json=_return(old, customer))
    accepted = await http.post(ORDERS, json=_return(recent, customer))

    assert refused.status_code == 422
    assert refused.json()["code"] == "ReturnWindowClosed"
    assert "within 14 days of delivery" in refused.json()["reason"]
    assert accepted.status_code == 201, accepted.text
