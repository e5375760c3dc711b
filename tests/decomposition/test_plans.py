"""What the plans of the sample catalog contain: the catalog's rules, seen through orders."""

from __future__ import annotations

from collections.abc import Sequence

from sample_orders import PORT_IN, VALID, item, order, owned

from decomposition.catalog import CatalogVersion, Domain
from decomposition.decompose import decompose
from decomposition.plan import Plan, diff
from decomposition.preview import preview_order
from tmf.product_inventory import Product
from tmf.product_order import ProductOrderCreate


def _plan(
    catalog: CatalogVersion, o: ProductOrderCreate, inventory: Sequence[Product] = ()
) -> Plan:
    result = decompose(o, catalog, list(inventory), order_id="ord-1")
    assert result.plan is not None, result.problems
    return result.plan


def _reaches(plan: Plan, source: str, target: str) -> bool:
    """Whether `target` transitively depends on `source`."""
    deps = {t.id: t.depends_on for t in plan.tasks}
    stack, seen = [target], set()
    while stack:
        node = stack.pop()
        for dep in deps[node]:
            if dep == source:
                return True
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return False


def _specs(plan: Plan) -> set[str]:
    return {d.spec_id for d in plan.domain_orders}


def test_fiber_selects_ftth_and_dsl_selects_the_dsl_access(catalog: CatalogVersion) -> None:
    fiber = _plan(catalog, order(item("1", "fiber-broadband", VALID["fiber-broadband"])))
    dsl = _plan(catalog, order(item("1", "dsl-broadband", VALID["dsl-broadband"])))
    assert "rfs-ftth-access" in _specs(fiber) and "rfs-dsl-access" not in _specs(fiber)
    assert "rfs-dsl-access" in _specs(dsl) and "rfs-ftth-access" not in _specs(dsl)
    assert fiber.task("service-rfs-ftth-access-1:reserve-port").params["portType"] == "gpon"


def test_broadband_router_is_shipped_before_the_technician_visit(catalog: CatalogVersion) -> None:
    plan = _plan(catalog, order(item("1", "fiber-broadband", VALID["fiber-broadband"])))
    install = plan.task("service-cfs-internet-access-1:install")
    assert install.kind == "manual" and install.queue == "field-install"
    assert install.skill == "field-technician"
    assert install.result_schema is not None
    assert install.result_schema["properties"]["installedAt"]["format"] == "date-time"
    assert "resource-router-1:ship" in install.depends_on
    wait = plan.task("service-cfs-internet-access-1:wait-appointment")
    assert wait.params["appointmentTaskId"] == "service-cfs-internet-access-1:book-install"
    assert _reaches(plan, "service-cfs-internet-access-1:book-install", install.id)


def test_characteristic_values_flow_down_through_the_mapping(catalog: CatalogVersion) -> None:
    plan = _plan(catalog, order(item("1", "fiber-broadband", VALID["fiber-broadband"])))
    cfs = next(d for d in plan.domain_orders if d.id == "service-cfs-internet-access-1")
    assert cfs.characteristics["bandwidth"] == 500
    assert cfs.characteristics["address"] == VALID["fiber-broadband"]["installationAddress"]
    assert cfs.parent_id == "product-broadband-1" and cfs.category == "CFS"
    router = next(d for d in plan.domain_orders if d.spec_id == "router")
    assert router.domain == Domain.RESOURCE and router.characteristics["model"] == "hx-500"


def test_number_is_ported_after_sim_activation_and_pin_is_not_assetized(
    catalog: CatalogVersion,
) -> None:
    chars = {**VALID["mobile-postpaid"], **PORT_IN}
    plan = _plan(catalog, order(item("1", "mobile-postpaid", chars)))
    port = plan.task("service-rfs-number-port-1:port-in")
    assert port.activity == "portability.port_in"
    assert "service-cfs-mobile-1:activate" in port.depends_on
    assert port.params["portingPin"] == "4321"
    assert "InvalidPortingPin" in port.retry.non_retryable_errors
    assert (
        port.compensation is not None and port.compensation.activity == "portability.cancel_port_in"
    )
    asset = plan.task("product-mobile-1:assetize")
    assert asset.hard_point_of_no_return
    assert "portingPin" not in asset.params and "dateOfBirth" not in asset.params
    assert asset.params["msisdnToPort"] == "+33612345678"
    # No other task than the port-in sees the PIN.
    assert [t.id for t in plan.tasks if "portingPin" in t.params] == [port.id]


def test_esim_and_physical_sim(catalog: CatalogVersion) -> None:
    esim = _plan(catalog, order(item("1", "mobile-postpaid", VALID["mobile-postpaid"])))
    sim_chars = {**VALID["mobile-postpaid"], "simType": "sim", "deliveryAddress": "x"}
    sim = _plan(catalog, order(item("1", "mobile-postpaid", sim_chars)))
    assert "esim-profile" in _specs(esim) and "sim-card" not in _specs(esim)
    assert "sim-card" in _specs(sim) and "esim-profile" not in _specs(sim)
    assert "rfs-number-port" not in _specs(sim)
    assert sim.task("service-cfs-mobile-1:wait-start").params == {"until": "2026-03-02T08:00:00Z"}


def test_iptv_is_activated_after_the_broadband_it_relies_on(catalog: CatalogVersion) -> None:
    o = order(
        item("bb", "fiber-broadband", VALID["fiber-broadband"]),
        item("tv", "iptv", {**VALID["iptv"], "setTopBoxCount": 2}, relies_on=("bb",)),
    )
    plan = _plan(catalog, o)
    activate = plan.task("service-cfs-iptv-tv:activate")
    assert "service-cfs-internet-access-bb:activate" in activate.depends_on
    boxes = [d.id for d in plan.domain_orders if d.spec_id == "set-top-box"]
    assert boxes == ["resource-set-top-box-tv.1", "resource-set-top-box-tv.2"]


def test_iptv_relying_on_owned_broadband_has_no_cross_dependency(catalog: CatalogVersion) -> None:
    mine = owned("prod-bb", "fiber-broadband", "broadband", {"technology": "fiber"})
    plan = _plan(catalog, order(item("tv", "iptv", VALID["iptv"])), [mine])
    assert all(
        dep.startswith(("product-iptv", "service-", "resource-"))
        for t in plan.tasks
        for dep in t.depends_on
    )
    assert plan.task("service-cfs-iptv-tv:activate").depends_on == [
        "resource-set-top-box-tv.1:ship"
    ]


def test_sdwan_sites_each_get_a_survey_and_an_install(catalog: CatalogVersion) -> None:
    o = order(item("5", "sdwan-enterprise", VALID["sdwan-enterprise"]), channel="partner")
    plan = _plan(catalog, o)
    surveys = [t for t in plan.tasks if t.key == "survey"]
    installs = [t for t in plan.tasks if t.key == "install"]
    assert [t.queue for t in surveys] == ["site-survey"] * 3
    assert [t.skill for t in installs] == ["field-technician"] * 3
    # Site 2's edge device waits for site 2's survey only.
    ship = plan.task("resource-edge-device-5.2:ship")
    assert ship.depends_on == ["service-rfs-sdwan-site-5.2:survey"]
    assert ship.params["siteIndex"] == 2
    # The overlay is activated once every site is installed.
    activate = plan.task("service-cfs-sdwan-5:activate")
    for site in (1, 2, 3):
        assert f"service-rfs-sdwan-site-5.{site}:install" in activate.depends_on


def test_handset_is_physical_goods_only(catalog: CatalogVersion) -> None:
    plan = _plan(catalog, order(item("1", "handset-nova-x5", VALID["handset-nova-x5"])))
    assert [d.domain for d in plan.domain_orders] == [Domain.PRODUCT]
    assert {t.system for t in plan.tasks} - {None} == {"billing", "shipping", "product_inventory"}
    assert plan.task("product-handset-1:ship").params["model"] == "nova-x5"


def test_quantity_repeats_the_product(catalog: CatalogVersion) -> None:
    o = order(item("7", "handset-nova-x5", VALID["handset-nova-x5"], quantity=3))
    plan = _plan(catalog, o)
    products = [d.id for d in plan.domain_orders]
    assert products == ["product-handset-7#1", "product-handset-7#2", "product-handset-7#3"]
    assert len(plan.tasks) == 3 * 4
    assert {t.item_id for t in plan.tasks} == {"7"}


def test_bundle_expands_to_its_children_and_is_assetized_after_them(
    catalog: CatalogVersion,
) -> None:
    plan = _plan(catalog, order(item("3", "triple-play", VALID["triple-play"])))
    products = [d for d in plan.domain_orders if d.domain == Domain.PRODUCT]
    assert [p.id for p in products] == [
        "product-triple-play-3",
        "product-broadband-3/broadband",
        "product-iptv-3/iptv",
        "product-mobile-3/mobile",
    ]
    assert {p.parent_id for p in products[1:]} == {"product-triple-play-3"}
    assert {d.root_item_id for d in plan.domain_orders} == {"3"}
    discount = plan.task("product-triple-play-3:apply-discount")
    for child in ("broadband-3/broadband", "iptv-3/iptv", "mobile-3/mobile"):
        assert f"product-{child}:assetize" in discount.depends_on
    # Inside the bundle, IPTV still waits for its broadband.
    iptv = plan.task("service-cfs-iptv-3/iptv:activate")
    assert "service-cfs-internet-access-3/broadband:activate" in iptv.depends_on
    assert plan.topological_order()[-1] == "product-triple-play-3:assetize"


def test_assetization_is_the_last_task_of_every_product(catalog: CatalogVersion) -> None:
    o = order(
        item("1", "fiber-broadband", VALID["fiber-broadband"]),
        item("2", "mobile-postpaid", {**VALID["mobile-postpaid"], **PORT_IN}),
    )
    plan = _plan(catalog, o)
    for product_key in ("1", "2"):
        tasks = [t for t in plan.tasks if t.product_key == product_key]
        last = [t for t in tasks if t.hard_point_of_no_return]
        assert len(last) == 1
        for task in tasks:
            if task is not last[0]:
                assert _reaches(plan, task.id, last[0].id), task.id


def test_modify_plans_only_tasks_tied_to_the_changed_characteristics(
    catalog: CatalogVersion,
) -> None:
    mine = owned(
        "prod-bb",
        "fiber-broadband",
        "broadband",
        {
            "technology": "fiber",
            "downloadSpeed": 100,
            "installationAddress": "x",
            "routerModel": "hx-500",
        },
    )
    speed = _plan(
        catalog,
        order(item("1", None, {"downloadSpeed": 1000}, action="modify", product_id="prod-bb")),
        [mine],
    )
    assert [t.id for t in speed.tasks] == [
        "product-broadband-1:adjust-billing",
        "service-cfs-internet-access-1:change-speed",
        "product-broadband-1:assetize",
    ]
    assert speed.task("service-cfs-internet-access-1:change-speed").params["bandwidth"] == 1000
    assert all(t.params.get("productId") == "prod-bb" for t in speed.tasks)
    router = _plan(
        catalog,
        order(item("1", None, {"routerModel": "hx-700"}, action="modify", product_id="prod-bb")),
        [mine],
    )
    assert [t.id for t in router.tasks] == [
        "resource-router-1:ship",
        "resource-router-1:return-label",
        "product-broadband-1:assetize",
    ]
    # Only the parts touched become domain orders.
    assert [d.id for d in router.domain_orders] == ["product-broadband-1", "resource-router-1"]


def test_delete_and_suspend(catalog: CatalogVersion) -> None:
    mine = owned("prod-m", "mobile-postpaid", "mobile", {"simType": "sim", "dataAllowanceGb": 50})
    delete = _plan(catalog, order(item("1", None, action="delete", product_id="prod-m")), [mine])
    assert delete.task("resource-sim-card-1:deactivate-sim").depends_on == [
        "service-cfs-mobile-1:deactivate"
    ]
    assert delete.topological_order()[-1] == "product-mobile-1:deassetize"
    suspend = _plan(catalog, order(item("1", None, action="suspend", product_id="prod-m")), [mine])
    assert [t.activity for t in suspend.tasks] == [
        "activation.suspend_service",
        "product_inventory.assetize",
    ]
    assert suspend.tasks[-1].params["status"] == "suspended"


def test_plan_helpers(catalog: CatalogVersion) -> None:
    plan = _plan(catalog, order(item("1", "handset-nova-x5", VALID["handset-nova-x5"])))
    assert plan.topological_order() == [
        "product-handset-1:charge",
        "product-handset-1:ship",
        "product-handset-1:delivered",
        "product-handset-1:assetize",
    ]
    assert [t.id for t in plan.ready_tasks(set())] == ["product-handset-1:charge"]
    assert [t.id for t in plan.ready_tasks({"product-handset-1:charge"})] == [
        "product-handset-1:ship"
    ]
    path = plan.critical_path()
    assert path.task_ids == plan.topological_order()
    assert path.duration_seconds == 5 + 172800 + 0 + 2
    # Actual durations (e.g. of finished tasks) replace the expected ones.
    assert plan.expected_duration_seconds({"product-handset-1:ship": 0}) == 7


def test_critical_path_follows_the_longest_branch(catalog: CatalogVersion) -> None:
    plan = _plan(catalog, order(item("1", "fiber-broadband", VALID["fiber-broadband"])))
    path = plan.critical_path()
    # Two days waiting for the appointment beat two days of shipping plus nothing.
    assert "service-cfs-internet-access-1:wait-appointment" in path.task_ids
    assert path.task_ids[-1] == "product-broadband-1:assetize"
    by_id = {t.id: t for t in plan.tasks}
    assert path.duration_seconds == sum(by_id[i].expected_duration_seconds for i in path.task_ids)


def test_diff(catalog: CatalogVersion) -> None:
    before = _plan(catalog, order(item("1", "fiber-broadband", VALID["fiber-broadband"])))
    after = _plan(
        catalog,
        order(
            item("1", "fiber-broadband", {**VALID["fiber-broadband"], "downloadSpeed": 1000}),
            item("2", "handset-nova-x5", VALID["handset-nova-x5"]),
        ),
    )
    changes = diff(before, after)
    assert "product-broadband-1:start-billing" in changes.changed
    assert "service-cfs-internet-access-1:activate" in changes.changed
    assert "resource-router-1:ship" in changes.unchanged
    assert set(changes.added) == {t.id for t in after.tasks if t.item_id == "2"}
    assert changes.removed == []
    assert diff(after, before).removed == changes.added


def test_trusted_plans_equal_validated_copies(catalog: CatalogVersion) -> None:
    plan = _plan(catalog, order(item("3", "triple-play", VALID["triple-play"])))
    copy = Plan.model_validate_json(plan.model_dump_json())
    assert copy == plan
    assert copy.model_dump_json() == plan.model_dump_json()


def test_preview(catalog: CatalogVersion) -> None:
    preview = preview_order(order(item("1", "fiber-broadband", VALID["fiber-broadband"])), catalog)
    assert preview.preview is not None and preview.pricing is not None
    assert (
        preview.preview.expected_duration_seconds == preview.preview.critical_path.duration_seconds
    )
    assert preview.preview.task_count == len(preview.preview.plan.tasks)
    invalid = preview_order(order(item("1", "nope")), catalog)
    assert invalid.preview is None and invalid.problems[0].code == "UnknownOffering"


def test_plans_share_no_mutable_values(catalog: CatalogVersion) -> None:
    # Product shapes are kept per catalog version; the plans built from them stay independent.
    o = order(
        item("1", "triple-play", VALID["triple-play"]),
        item("2", "fiber-broadband", VALID["fiber-broadband"]),
    )
    first, second = _plan(catalog, o), _plan(catalog, o)
    assert first == second

    def mutable(plan: Plan) -> list[object]:
        values: list[object] = [d.characteristics for d in plan.domain_orders]
        for t in plan.tasks:
            values += [t.depends_on, t.params, t.characteristics, t.retry.non_retryable_errors]
            if t.result_schema is not None:
                values.append(t.result_schema)
        return values

    assert {id(v) for v in mutable(first)}.isdisjoint(id(v) for v in mutable(second))


def test_shapes_follow_the_catalog_version(catalog: CatalogVersion) -> None:
    o = order(item("1", "fiber-broadband", VALID["fiber-broadband"]))
    before = _plan(catalog, o)
    data = catalog.model_dump(by_alias=True)
    data["version"] = catalog.version + ".1"
    for spec in data["productSpecifications"]:
        for task in spec["tasks"].get("add", []):
            task["name"] = "Renamed " + task["name"]
    renamed = CatalogVersion.model_validate(data)
    after = _plan(renamed, o)
    assert [t.id for t in after.tasks] == [t.id for t in before.tasks]
    renamed_ids = {t.id for t in after.tasks if t.name.startswith("Renamed ")}
    assert renamed_ids and renamed_ids == {
        t.id for t in before.tasks if t.domain_order_id.startswith("product-")
    }
    assert _plan(catalog, o) == before
