"""The workspace's work in the browser: a fallout agent retries a case from the queue, a
technician completes a manual task through its generated form, and the timeline of a fiber
order shows its whole plan."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import expect

from tests.conftest import AsClient
from tests.fallout.conftest import FALLOUT, Breaker, wait_for_cases
from tests.helpers import ORDERS, wait_for_open_task, wait_for_state
from tests.sample_orders import sample_order
from tests.workspace.conftest import SignIn, screenshot

CONFIG_PROPAGATION = 1.0  # each process caches the simulators' settings this long


async def _order(http: httpx.AsyncClient, offering: str) -> str:
    created = await http.post(ORDERS, json=sample_order(offering, customer=f"ws-{uuid.uuid4()}"))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_fallout_agent_retries_a_case_from_the_queue_and_the_order_completes(
    http: httpx.AsyncClient, break_system: Breaker, sign_in: SignIn
) -> None:
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    order_id = await _order(http, "handset-nova-x5")
    [case] = await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1)
    await http.delete("/ops/v1/simulators/billing")  # the cause is fixed
    await asyncio.sleep(CONFIG_PROPAGATION)

    page = await sign_in("fallout-agent")
    await page.get_by_role("link", name="Fallout").click()
    row = page.locator(f"tr[data-case-id='{case['id']}']")
    await expect(row).to_contain_text("billing.start_billing")
    await expect(row).to_contain_text("SouthboundPermanentError")
    await screenshot(page, "fallout-queue")
    await row.get_by_role("link", name=f"Case {case['id'][:8]}").click()
    await expect(page.locator("[data-page=fallout-case]")).to_contain_text(case["taskName"])
    await page.get_by_role("button", name="Assign to me").click()
    await expect(page.locator("[data-page=fallout-case]")).to_contain_text("ana")
    await page.get_by_label("Note for the history").fill("billing is back")
    await page.get_by_role("button", name="Retry", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="retry sent")).to_be_visible()

    done = await wait_for_state(http, order_id)
    assert done["state"] == "completed"
    resolved = (await http.get(f"{FALLOUT}/{case['id']}")).json()
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "retry")
    assert [(n["event"], n.get("actor")) for n in resolved["notes"][1:]] == [
        ("assign", "ana"),
        ("retry", "ana"),
        ("retry succeeded", None),  # the system's note: no person acted
    ]
    await page.reload()
    await expect(page.locator("h1")).to_contain_text("resolved")
    await expect(page.get_by_role("list", name="Decisions")).to_contain_text("billing is back")
    await screenshot(page, "fallout-case-resolved")
    # The queue's "My cases" shows it; "Unassigned" no longer does.
    await page.get_by_role("link", name="Fallout").click()
    await expect(page.locator(f"tr[data-case-id='{case['id']}']")).to_have_count(0)
    await page.get_by_role("button", name="My cases").click()
    await expect(page.locator(f"tr[data-case-id='{case['id']}']")).to_contain_text("resolved")


async def test_a_technician_completes_a_task_through_its_form_and_a_bad_value_is_refused(
    http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    order_id = await _order(http, "fiber-broadband")
    task = await wait_for_open_task(http, order_id, timeout=60)

    page = await sign_in("fulfillment-agent")
    await page.get_by_role("link", name="Task inbox").click()
    row = page.locator(f"tr[data-task-id='{task['id']}']")
    await expect(row).to_contain_text("field-install")
    await row.get_by_role("button", name="Claim").click()
    form = page.locator(f"form[data-task-id='{task['id']}']")
    installed_at = form.get_by_label("installedAt")
    await expect(installed_at).to_be_focused()

    await installed_at.fill("yesterday afternoon")
    await form.get_by_role("button", name="Complete task").click()
    await expect(installed_at).to_have_attribute("aria-invalid", "true")
    await expect(form).to_contain_text("Enter a date and time")
    await expect(form.get_by_label("serialNumber")).to_have_attribute("aria-invalid", "true")
    await expect(form).to_contain_text("nothing was sent")
    await screenshot(page, "task-form-refused")
    stored = (await http.get(f"/ops/v1/tasks/{task['id']}")).json()
    assert (stored["state"], stored["assignee"], stored["result"]) == ("claimed", "tomas", None)

    await installed_at.fill("2026-12-07T10:30:00Z")
    await form.get_by_label("serialNumber").fill("ONT-4242")
    await form.get_by_role("button", name="Complete task").click()
    await expect(page.get_by_role("status").filter(has_text="completed")).to_be_visible()
    await screenshot(page, "task-completed")

    done = await wait_for_state(http, order_id, timeout=60)
    assert done["state"] == "completed"
    stored = (await http.get(f"/ops/v1/tasks/{task['id']}")).json()
    assert stored["state"] == "completed"
    assert stored["result"] == {"installedAt": "2026-12-07T10:30:00Z", "serialNumber": "ONT-4242"}


async def test_a_fulfillment_manager_takes_over_a_task_a_technician_claimed(
    http: httpx.AsyncClient, http_as: AsClient, sign_in: SignIn
) -> None:
    order_id = await _order(http, "fiber-broadband")
    task = await wait_for_open_task(http, order_id, timeout=60)
    tomas = http_as("fulfillment-agent", subject="tomas")
    assert (await tomas.post(f"/ops/v1/tasks/{task['id']}/claim", json={})).status_code == 200

    # A technician sees tomas's task but no way to take it.
    agent = await sign_in("fulfillment-agent")
    await agent.get_by_role("link", name="Task inbox").click()
    await agent.get_by_label("State").select_option("claimed")
    await agent.get_by_role("button", name="Filter").click()
    await expect(agent.locator(f"tr[data-task-id='{task['id']}']")).to_contain_text("tomas")
    await expect(agent.get_by_role("button", name="Take over")).to_have_count(0)

    page = await sign_in("fulfillment-manager")
    await page.get_by_role("link", name="Task inbox").click()
    await page.get_by_label("State").select_option("claimed")
    await page.get_by_role("button", name="Filter").click()
    row = page.locator(f"tr[data-task-id='{task['id']}']")
    await expect(row).to_contain_text("tomas")
    await row.get_by_role("button", name="Take over").click()
    await expect(page.get_by_role("status").filter(has_text="took over")).to_be_visible()
    form = page.locator(f"form[data-task-id='{task['id']}']")
    await form.get_by_label("installedAt").fill("2026-12-07T11:00:00Z")
    await form.get_by_label("serialNumber").fill("ONT-7")
    await form.get_by_role("button", name="Complete task").click()
    await expect(page.get_by_role("status").filter(has_text="completed")).to_be_visible()
    await screenshot(page, "task-taken-over")

    assert (await wait_for_state(http, order_id, timeout=60))["state"] == "completed"
    stored = (await http.get(f"/ops/v1/tasks/{task['id']}")).json()
    assert (stored["state"], stored["assignee"]) == ("completed", "fatima")
    history = (await http.get(f"/ops/v1/orders/{order_id}/history")).json()
    [moved] = [e for e in history if e["eventType"] == "ProductOrderTaskAssignedEvent"]
    assert (moved["actor"], moved["detail"]["previousAssignee"]) == ("fatima", "tomas")


async def test_the_timeline_of_a_fiber_order_shows_its_plan_dependencies_and_critical_path(
    http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    order_id = await _order(http, "fiber-broadband")
    await wait_for_open_task(
        http, order_id, timeout=60
    )  # well under way, waiting for the technician
    timeline = (await http.get(f"/ops/v1/orders/{order_id}/timeline")).json()
    tasks = timeline["tasks"]
    dependencies = {(d, t["id"]) for t in tasks for d in t["dependsOn"]}
    assert len(tasks) > 10 and dependencies and timeline["criticalPath"]

    page = await sign_in("fulfillment-manager")
    await page.goto(f"/workspace/#/orders/{order_id}")
    gantt = page.locator("svg.gantt")
    await expect(gantt.locator("g.gantt-task")).to_have_count(len(tasks))
    shown = await gantt.locator("g.gantt-task").evaluate_all(
        "nodes => nodes.map(n => [n.dataset.taskId, n.dataset.critical])"
    )
    assert {task_id for task_id, _ in shown} == {t["id"] for t in tasks}
    assert {task_id for task_id, critical in shown if critical == "true"} == set(
        timeline["criticalPath"]
    )
    drawn = await gantt.locator("path.gantt-dep").evaluate_all(
        "paths => paths.map(p => [p.dataset.from, p.dataset.to, p.classList.contains('critical')])"
    )
    assert {(a, b) for a, b, _ in drawn} == dependencies
    path = timeline["criticalPath"]
    assert {(a, b) for a, b, critical in drawn if critical} == {
        (a, b) for a, b in dependencies if a in path and b in path
    }
    await expect(gantt.locator("g.gantt-due")).to_have_count(1)
    await expect(gantt.locator("g.gantt-forecast")).to_have_count(1)
    install = next(t for t in tasks if t["id"].endswith(":install"))
    await expect(gantt.locator(f"g.gantt-task[data-task-id='{install['id']}']")).to_have_attribute(
        "data-status", "running"
    )
    await screenshot(page, "order-fiber-timeline")
    await page.get_by_label("Zoom").select_option("hours")
    await expect(gantt.locator("g.gantt-task")).to_have_count(len(tasks))
    await screenshot(page, "order-fiber-timeline-hours")
    # The decomposition tree: order -> item -> domain orders -> tasks.
    tree = page.get_by_role("list", name="Decomposition")
    await expect(tree.locator("li[data-task-id]")).to_have_count(len(tasks))


async def test_the_jeopardy_board_puts_the_latest_order_first_and_the_list_updates_itself(
    http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    customer = f"late-{uuid.uuid4()}"
    page = await sign_in("order-manager")
    await page.get_by_role("searchbox", name="Search").fill(customer)
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("No order matches.")).to_be_visible()

    # Both wait for a technician's manual task; one order is due in 3 seconds, the other in 30
    # minutes (a due date before a requested start is refused at capture).
    now = datetime.now(UTC)
    ids = {}
    for name, due_in in (("very late", timedelta(seconds=3)), ("late", timedelta(minutes=30))):
        body = sample_order("fiber-broadband", customer=customer)
        body.pop("requestedStartDate", None)  # due before it would be refused
        body["requestedCompletionDate"] = (now + due_in).isoformat().replace("+00:00", "Z")
        created = await http.post(ORDERS, json=body)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]

    # The list shows both without a reload (it polls), with their jeopardy. The bounds are for
    # a list that never updates: on a loaded CI machine the orders start and are assessed late.
    rows = page.locator("tr[data-order-id]")
    await expect(rows).to_have_count(2, timeout=60_000)
    await expect(page.locator(f"tr[data-order-id='{ids['very late']}']")).to_contain_text(
        "critical", timeout=60_000
    )
    await expect(page.locator(f"tr[data-order-id='{ids['late']}']")).to_contain_text(
        "warning", timeout=60_000
    )

    await page.get_by_role("link", name="Jeopardy").click()
    board = page.locator("[data-page=jeopardy] tr[data-order-id]")
    ours = board.filter(
        has=page.locator(f"a[href$='{ids['very late']}'], a[href$='{ids['late']}']")
    )
    await expect(ours).to_have_count(2, timeout=30_000)
    order_on_board = await board.evaluate_all("rows => rows.map(r => r.dataset.orderId)")
    assert order_on_board.index(ids["very late"]) < order_on_board.index(ids["late"])
    await expect(page.locator(f"tr[data-order-id='{ids['very late']}']")).to_have_attribute(
        "data-level", "critical"
    )
    await screenshot(page, "jeopardy-board")
    for order_id in ids.values():  # leave nothing waiting for a technician
        await http.post(
            "/tmf-api/productOrderingManagement/v4/cancelProductOrder",
            json={"productOrder": {"id": order_id}, "cancellationReason": "test over"},
        )


async def test_a_fallout_manager_skips_a_case_and_bulk_retries_a_system(
    http: httpx.AsyncClient, break_system: Breaker, sign_in: SignIn
) -> None:
    await break_system("billing", failureRate=1.0, failureMode="permanent")
    order_ids = [await _order(http, "handset-nova-x5") for _ in range(3)]
    cases = [
        (await wait_for_cases(http, {"orderId": order_id, "state": "open"}, 1))[0]
        for order_id in order_ids
    ]
    await http.delete("/ops/v1/simulators/billing")
    await asyncio.sleep(CONFIG_PROPAGATION)

    page = await sign_in("fallout-manager")
    await page.goto(f"/workspace/#/fallout/{cases[0]['id']}")
    result = page.get_by_label("Result of the work done by hand (JSON)")
    await result.fill("invoice INV-9")
    await page.get_by_role("button", name="Skip with this result").click()
    await expect(page.get_by_role("alert").filter(has_text="not valid JSON")).to_be_visible()
    assert (await http.get(f"{FALLOUT}/{cases[0]['id']}")).json()["state"] == "open"
    await result.fill('{"invoice": "INV-9"}')
    await page.get_by_role("button", name="Skip with this result").click()
    await expect(page.get_by_role("status").filter(has_text="skip sent")).to_be_visible()

    await page.get_by_role("link", name="Fallout").click()
    await page.get_by_label("System to retry").select_option("billing")
    await page.get_by_role("button", name="Retry every open case of the system").click()
    await expect(page.get_by_role("status").filter(has_text="of billing retried")).to_be_visible()
    await screenshot(page, "fallout-bulk-retried")

    for order_id in order_ids:
        assert (await wait_for_state(http, order_id))["state"] == "completed"
    resolutions = [(await http.get(f"{FALLOUT}/{c['id']}")).json()["resolution"] for c in cases]
    assert resolutions == ["skip", "retry", "retry"]
