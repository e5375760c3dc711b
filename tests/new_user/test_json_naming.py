"""One JSON style in every answer (issue 26, item 7): camelCase names, times in UTC with `Z`,
no empty `@type: null`-like fields, and an item's jeopardy shaped like the order's."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.helpers import ORDERS, wait_for_state
from tests.sample_orders import sample_order

CAMEL = re.compile(r"^@?[a-z][A-Za-z0-9]*$")
A_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Names that are data, not field names: characteristic values, item ids and the like.
DATA_KEYS = {"itemPrice", "characteristics", "params", "result", "detail", "data", "request"}


def style_problems(value: Any, path: str = "$") -> list[str]:
    problems: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}"
            if not CAMEL.match(str(key)):
                problems.append(f"{where}: not camelCase")
            if inner is None and str(key).startswith("@"):
                problems.append(f"{where}: null")
            if key not in DATA_KEYS:
                problems.extend(style_problems(inner, where))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            problems.extend(style_problems(inner, f"{path}[{n}]"))
    elif isinstance(value, str) and A_TIME.match(value) and not value.endswith("Z"):
        problems.append(f"{path}: time {value} without Z")
    return problems


async def test_every_answer_about_an_order_speaks_one_json_style(http: httpx.AsyncClient) -> None:
    body = sample_order("handset-nova-x5")
    order_id = (await http.post(ORDERS, json=body)).json()["id"]
    order = await wait_for_state(http, order_id)
    answers = {
        "order": order,
        "plan": (await http.get(f"/ops/v1/orders/{order_id}/plan")).json(),
        "timeline": (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json(),
        "history": (await http.get(f"/ops/v1/orders/{order_id}/history")).json(),
        "preview": (await http.post("/ops/v1/plan-preview", json=body)).json(),
        "simulators": (await http.get("/ops/v1/simulators")).json(),
    }

    problems = {name: style_problems(answer) for name, answer in answers.items()}

    assert {name: found for name, found in problems.items() if found} == {}
    item_jeopardy = order["productOrderItem"][0]["jeopardy"]
    assert isinstance(item_jeopardy, dict) and item_jeopardy["level"] == "none"
    assert set(item_jeopardy) <= set(order["jeopardy"])
    assert {"specId", "rootItemId"} <= set(answers["preview"]["domainOrders"][0])
