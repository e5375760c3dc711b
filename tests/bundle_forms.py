"""One triple play in the three TMF622 forms: flattened, nested items, `bundles` relationships."""

from __future__ import annotations

import copy
from typing import Any

from tests.sample_orders import ADDRESS

BROADBAND = {"technology": "fiber", "installationAddress": ADDRESS, "downloadSpeed": 500}
IPTV = {"deliveryAddress": ADDRESS, "package": "premium", "setTopBoxCount": 2}
MOBILE = {"simType": "sim", "dateOfBirth": "1985-09-12", "deliveryAddress": ADDRESS}


def _chars(values: dict[str, Any]) -> dict[str, Any]:
    return {"productCharacteristic": [{"name": k, "value": v} for k, v in values.items()]}


def _child(item_id: str, offering: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item_id,
        "action": "add",
        "productOffering": {"id": offering},
        "product": _chars(values),
    }


def flattened() -> list[dict[str, Any]]:
    return [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "triple-play"},
            "product": _chars({**BROADBAND, **IPTV, **MOBILE}),
        }
    ]


def children() -> list[dict[str, Any]]:
    iptv = _child("1.2", "iptv", IPTV)
    iptv["productOrderItemRelationship"] = [{"id": "1.1", "relationshipType": "reliesOn"}]
    return [
        _child("1.1", "fiber-broadband", BROADBAND),
        iptv,
        _child("1.3", "mobile-postpaid", MOBILE),
    ]


def nested() -> list[dict[str, Any]]:
    return [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "triple-play"},
            "productOrderItem": children(),
        }
    ]


def related() -> list[dict[str, Any]]:
    parts = children()
    return [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "triple-play"},
            "productOrderItemRelationship": [
                {"id": p["id"], "relationshipType": "bundles"} for p in parts
            ],
        },
        *parts,
    ]


FORMS = {"flattened": flattened, "nested": nested, "related": related}


def items(form: str) -> list[dict[str, Any]]:
    return copy.deepcopy(FORMS[form]())
