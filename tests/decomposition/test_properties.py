"""Properties of plans over generated orders of the sample catalog."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_orders import PORT_IN, item, load_catalog, order, owned

from decomposition.decompose import decompose
from decomposition.plan import Plan

CATALOG = load_catalog()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def characteristics(draw: st.DrawFn, offering: str) -> dict[str, Any]:
    address = draw(st.sampled_from(["1 Main St", "2 High St", "3 Low Rd"]))
    if offering in ("fiber-broadband", "dsl-broadband"):
        speeds = [100, 500, 1000] if offering == "fiber-broadband" else [20, 50]
        return {
            "installationAddress": address,
            "downloadSpeed": draw(st.sampled_from(speeds)),
            "routerModel": draw(st.sampled_from(["hx-500", "hx-700"])),
        }
    if offering == "mobile-postpaid":
        chars: dict[str, Any] = {
            "simType": draw(st.sampled_from(["sim", "esim"])),
            "dateOfBirth": "1990-01-01",
            "deliveryAddress": address,
            "dataAllowanceGb": draw(st.sampled_from([10, 50, 200])),
        }
        return {**chars, **PORT_IN} if draw(st.booleans()) else chars
    if offering == "sdwan-enterprise":
        return {"siteCount": draw(st.integers(1, 4)), "bandwidthMbps": 100}
    if offering == "handset-nova-x5":
        return {"deliveryAddress": address, "color": draw(st.sampled_from(["black", "blue"]))}
    if offering == "triple-play":
        return {
            "installationAddress": address,
            "deliveryAddress": address,
            "simType": draw(st.sampled_from(["sim", "esim"])),
            "dateOfBirth": "1990-01-01",
            "setTopBoxCount": draw(st.integers(1, 3)),
        }
    raise AssertionError(offering)


SIMPLE = [
    "fiber-broadband",
    "dsl-broadband",
    "mobile-postpaid",
    "sdwan-enterprise",
    "handset-nova-x5",
    "triple-play",
]


@st.composite
def orders(draw: st.DrawFn) -> Any:
    count = draw(st.integers(1, 6))
    items = []
    broadband: list[str] = []
    for n in range(1, count + 1):
        offering = draw(st.sampled_from(SIMPLE))
        quantity = draw(st.integers(1, 3))
        items.append(item(str(n), offering, draw(characteristics(offering)), quantity=quantity))
        if offering.endswith("broadband"):
            broadband.append(str(n))
    with_tv: bool = draw(st.booleans())
    if broadband and with_tv:
        target: str = draw(st.sampled_from(broadband))
        tv = {"deliveryAddress": "1 Main St", "setTopBoxCount": draw(st.integers(1, 3))}
        items.append(item("tv", "iptv", tv, relies_on=(target,)))
    return order(*items, channel="call-center")


def _plan(o: Any, inventory: Any = ()) -> Plan:
    result = decompose(o, CATALOG, list(inventory))
    assert result.plan is not None, result.problems
    return result.plan


@SETTINGS
@given(orders())
def test_plans_are_acyclic_and_complete(o: Any) -> None:
    plan = _plan(o)
    order_ids = plan.topological_order()  # raises on a cycle or an unknown dependency
    assert len(order_ids) == len(plan.tasks) == len({t.id for t in plan.tasks})
    assert len({d.id for d in plan.domain_orders}) == len(plan.domain_orders)
    domain_orders = {d.id for d in plan.domain_orders}
    assert all(t.domain_order_id in domain_orders for t in plan.tasks)
    # Every item is covered, once per unit of quantity.
    for order_item in o.product_order_item:
        products = [
            d
            for d in plan.domain_orders
            if d.item_id == order_item.id and d.domain == "product" and "/" not in d.product_key
        ]
        assert len(products) == order_item.quantity
    # Every product ends with exactly one assetization, after all its other tasks.
    position = {task_id: i for i, task_id in enumerate(order_ids)}
    by_product: dict[str, list[Any]] = {}
    for task in plan.tasks:
        by_product.setdefault(task.product_key, []).append(task)
    for tasks in by_product.values():
        [asset] = [t for t in tasks if t.hard_point_of_no_return]
        assert all(position[t.id] < position[asset.id] for t in tasks if t is not asset)


@SETTINGS
@given(orders())
def test_plans_are_deterministic(o: Any) -> None:
    first = _plan(o).model_dump_json()
    again = _plan(o.model_copy(deep=True)).model_dump_json()
    assert first == again


@SETTINGS
@given(orders())
def test_plans_respect_catalog_dependencies(o: Any) -> None:
    plan = _plan(o)
    tasks = {t.id: t for t in plan.tasks}
    for task in plan.tasks:
        spec = CATALOG.spec(
            next(d.spec_id for d in plan.domain_orders if d.id == task.domain_order_id)
        )
        assert spec is not None
        template = next(t for t in spec.tasks["add"] if t.key == task.key)
        for ref in template.depends_on:
            if ":" not in ref:  # same spec: always planned together in an add
                assert f"{task.domain_order_id}:{ref}" in task.depends_on
        for dep in task.depends_on:
            assert dep in tasks


@SETTINGS
@given(
    before=st.fixed_dictionaries(
        {
            "downloadSpeed": st.sampled_from([100, 500, 1000]),
            "routerModel": st.sampled_from(["hx-500", "hx-700"]),
        }
    ),
    after=st.fixed_dictionaries(
        {
            "downloadSpeed": st.sampled_from([100, 500, 1000]),
            "routerModel": st.sampled_from(["hx-500", "hx-700"]),
        }
    ),
)
def test_modify_plans_touch_only_what_changed(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    mine = owned(
        "prod-1",
        "fiber-broadband",
        "broadband",
        {"technology": "fiber", "installationAddress": "1 Main St", **before},
    )
    plan = _plan(order(item("1", None, after, action="modify", product_id="prod-1")), [mine])
    changed = {k for k in after if after[k] != before[k]}
    tied = {
        "downloadSpeed": {"adjust-billing", "change-speed"},
        "routerModel": {"ship", "return-label"},
    }
    expected = {"assetize"}.union(*(tied[k] for k in changed))
    assert {t.key for t in plan.tasks} == expected
    for task in plan.tasks:
        if task.characteristics:  # tied tasks only run for a change of what they are tied to
            domain_order = next(d for d in plan.domain_orders if d.id == task.domain_order_id)
            assert domain_order.characteristics
    plan.topological_order()


@SETTINGS
@given(st.sampled_from(SIMPLE), st.integers(1, 5), st.data())
def test_quantity_repeats(offering: str, quantity: int, data: st.DataObject) -> None:
    chars = data.draw(characteristics(offering))
    one = _plan(order(item("1", offering, chars), channel="call-center"))
    many = _plan(order(item("1", offering, chars, quantity=quantity), channel="call-center"))
    assert len(many.tasks) == quantity * len(one.tasks)
    assert len(many.domain_orders) == quantity * len(one.domain_orders)
    if quantity > 1:
        assert {t.product_key.split("/")[0] for t in many.tasks} == {
            f"1#{n}" for n in range(1, quantity + 1)
        }
