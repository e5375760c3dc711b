"""Order bodies for each sample offering of the catalog, as a channel would send them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from tmf.product_inventory import Product


def _chars(**values: Any) -> dict[str, Any]:
    return {"productCharacteristic": [{"name": k, "value": v} for k, v in values.items()]}


def _item(item_id: str, offering: str, **values: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "action": "add",
        "productOffering": {"id": offering},
        "product": _chars(**values),
    }


def order_body(
    items: list[dict[str, Any]],
    customer: str = "cust-1",
    channel: str = "web",
    start_in: timedelta = timedelta(seconds=5),
    **extra: Any,
) -> dict[str, Any]:
    """An order whose appointments fall `start_in` from now (technicians come at once)."""
    start = datetime.now(UTC) + start_in
    return {
        "channel": [{"id": channel, "name": channel}],
        "requestedStartDate": start.isoformat().replace("+00:00", "Z"),
        "relatedParty": [{"id": customer, "@referredType": "Individual", "role": "customer"}],
        "productOrderItem": items,
        **extra,
    }


ADDRESS = "12 Rue de la Paix, 75002 Paris"

SAMPLE_ITEMS: dict[str, list[dict[str, Any]]] = {
    "fiber-broadband": [
        _item("1", "fiber-broadband", technology="fiber", installationAddress=ADDRESS)
    ],
    "dsl-broadband": [_item("1", "dsl-broadband", technology="dsl", installationAddress=ADDRESS)],
    "handset-nova-x5": [_item("1", "handset-nova-x5", model="nova-x5", deliveryAddress=ADDRESS)],
    "iptv": [
        _item("1", "fiber-broadband", technology="fiber", installationAddress=ADDRESS),
        {
            **_item("2", "iptv", deliveryAddress=ADDRESS),
            "productOrderItemRelationship": [{"id": "1", "relationshipType": "reliesOn"}],
        },
    ],
    "mobile-postpaid": [
        _item(
            "1",
            "mobile-postpaid",
            simType="esim",
            dateOfBirth="1990-04-01",
            numberPortIn=True,
            msisdnToPort="+33612345678",
            donorOperator="OtherTel",
            portingPin="4321",
        )
    ],
    "sdwan-enterprise": [_item("1", "sdwan-enterprise", siteCount=2, bandwidthMbps=500)],
    "triple-play": [
        _item(
            "1",
            "triple-play",
            technology="fiber",
            installationAddress=ADDRESS,
            deliveryAddress=ADDRESS,
            simType="sim",
            dateOfBirth="1985-09-12",
        )
    ],
}

# SD-WAN is sold by the call center and partners only.
SAMPLE_CHANNELS = {"sdwan-enterprise": "call-center"}


# A plan with no wait task waits for the requested start as a whole (issue 26): these start now.
SAMPLE_STARTS = {"handset-nova-x5": timedelta(0)}


def sample_order(offering: str, customer: str = "cust-1", **extra: Any) -> dict[str, Any]:
    extra.setdefault("start_in", SAMPLE_STARTS.get(offering, timedelta(seconds=5)))
    return order_body(
        copy.deepcopy(SAMPLE_ITEMS[offering]),  # callers may change their copy
        customer=customer,
        channel=SAMPLE_CHANNELS.get(offering, "web"),
        **extra,
    )


def owned_handset(product_id: str, customer: str, address: str, delivered: datetime) -> Product:
    """A handset in inventory that `customer` has had since `delivered`: what a return acts on."""
    chars = {"model": "nova-x5", "color": "black", "storageGb": 128, "deliveryAddress": address}
    return Product.model_validate(
        {
            "id": product_id,
            "status": "active",
            "startDate": delivered.isoformat(),
            "productOffering": {"id": "handset-nova-x5"},
            "productSpecification": {"id": "handset"},
            "productCharacteristic": [{"name": k, "value": v} for k, v in chars.items()],
            "relatedParty": [{"id": customer, "role": "customer", "@referredType": "Individual"}],
        }
    )
