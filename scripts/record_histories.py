"""Record workflow histories for the replay tests (tests/histories/).

Run deliberately (`make histories`, or `python scripts/record_histories.py NAME...` for some
scenarios alone, e.g. the `perf_*` ones) when a workflow gains a new path worth guarding, or for a
new release. Histories go to tests/histories/v<version>/, encrypted under the test key ring
(tests/history_corpus.py); an existing file is never overwritten: a change that cannot replay
it needs `workflow.patched()`, and the replay test is what tells.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/record.db")
os.environ.setdefault("TESSERA_TASK_QUEUE", "tessera-record")
os.environ.setdefault("SIMULATOR_NEXT_SLOT_SECONDS", "1")

from temporalio.client import Client  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from activities.southbound.contract import SYSTEMS  # noqa: E402
from activities.southbound.faults import (  # noqa: E402
    FailureMode,
    FaultConfig,
    invalidate_cache,
    reset_config,
    set_config,
)
from activities.work_queue import sample_result  # noqa: E402
from store.db import create_tables  # noqa: E402
from store.fallout import FalloutFilter, list_cases  # noqa: E402
from store.inventory import create_product, get_product  # noqa: E402
from store.tasks import TaskFilter, list_tasks, set_workforce_config  # noqa: E402
from tests.bundle_forms import items as bundle_items  # noqa: E402
from tests.history_corpus import recording_converter, release_folder, write_new  # noqa: E402
from tests.sample_orders import (  # noqa: E402
    ADDRESS,
    SAMPLE_ITEMS,
    order_body,
    owned_handset,
    sample_order,
)
from tmf.cancel_order import CancelProductOrder  # noqa: E402
from tmf.product_order import (  # noqa: E402
    PRODUCT_ORDERING_BASE,
    OrderReview,
    OrderState,
    ProductOrder,
)
from worker import build_worker  # noqa: E402
from workflows.messages import (  # noqa: E402
    AmendOrder,
    CancelOrder,
    ClaimManualTask,
    CompleteManualTask,
    FalloutAction,
    FalloutDecision,
    ProvideInformation,
    ReassignManualTask,
    ReviewAction,
    ReviewDecision,
)
from workflows.order import ProductOrderInput, ProductOrderWorkflow  # noqa: E402
from workflows.policy import OrderPolicy  # noqa: E402
from workflows.search_attributes import ALL_KEYS  # noqa: E402
from workflows.ui_text import order_details, order_summary  # noqa: E402

Scenario = Callable[[Client, str], Awaitable[list[str]]]


def _order(order_id: str, body: dict[str, Any]) -> ProductOrder:
    return ProductOrder.model_validate(
        {
            **body,
            "id": order_id,
            "href": f"http://127.0.0.1:8000{PRODUCT_ORDERING_BASE}/productOrder/{order_id}",
            "orderDate": datetime.now(UTC),
        }
    )


async def _start_order(client: Client, queue: str, order: ProductOrder) -> Any:
    """Start an order's workflow as the API does (its id, summary and details)."""
    return await client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order),
        id=f"order-{order.id}",
        task_queue=queue,
        static_summary=order_summary(order),
        static_details=order_details(order),
    )


async def _run(client: Client, queue: str, order: ProductOrder) -> list[str]:
    """Run an order to its end; the ids of its workflow and of its children."""
    handle = await _start_order(client, queue, order)
    await handle.result()
    children = [w.id async for w in client.list_workflows(f"OrderId = '{order.id}'")]
    return [handle.id, *sorted(children)]


async def completed_order(client: Client, queue: str, order_id: str = "hist-handset") -> list[str]:
    return await _run(client, queue, _order(order_id, sample_order("handset-nova-x5")))


async def start_gated_order(client: Client, queue: str) -> list[str]:
    """A handset for a start 3 s ahead: nothing is dispatched before it (issue 26), and the
    order's jeopardy follows its forecast (both behind workflow.patched)."""
    body = sample_order("handset-nova-x5", start_in=timedelta(seconds=3))
    return await _run(client, queue, _order("hist-start-gated", body))


async def rejected_order(client: Client, queue: str) -> list[str]:
    items = [{"id": "1", "action": "add"}, {"id": "1", "action": "modify"}]
    return await _run(client, queue, _order("hist-rejected", order_body(items)))


async def order_with_technician(
    client: Client, queue: str, order_id: str = "hist-fiber"
) -> list[str]:
    """Manual install (field-workforce simulator), appointment timer, cross-domain waits."""
    set_workforce_config(auto_complete=True, latency_ms=50)
    body = sample_order("fiber-broadband", start_in=timedelta(seconds=3))
    return await _run(client, queue, _order(order_id, body))


async def staggered_order(client: Client, queue: str) -> list[str]:
    """Decomposition waits for the installation address, then joins the running plan."""
    set_workforce_config(auto_complete=True, latency_ms=50)
    items = [dict(i) for i in SAMPLE_ITEMS["fiber-broadband"]]
    items[0]["product"] = {"productCharacteristic": [{"name": "technology", "value": "fiber"}]}
    order = _order("hist-staggered", order_body(items, start_in=timedelta(seconds=4)))
    handle = await _start_order(client, queue, order)
    while True:
        view = await handle.query(ProductOrderWorkflow.get_plan)
        if view.planned:
            break
        await asyncio.sleep(0.1)
    await handle.execute_update(
        "provide_information",
        ProvideInformation(item_id="1", characteristics={"installationAddress": ADDRESS}),
    )
    await handle.result()
    return [handle.id]


async def _decide_fallout(client: Client, order_id: str, action: FalloutAction) -> None:
    """Wait for the order's fallout case, then decide as an agent would."""
    while True:
        cases, _ = list_cases(FalloutFilter(order_id=order_id, states=("open",)), 0, 10)
        if cases:
            break
        await asyncio.sleep(0.1)
    for system in SYSTEMS:
        reset_config(system)
    invalidate_cache()
    await client.get_workflow_handle(cases[0].workflow_id).execute_update(
        "fallout_decision",
        FalloutDecision(task_id=cases[0].task_id, action=action, agent="agent-1", note="recorded"),
    )


async def fallout_then_retry(
    client: Client, queue: str, order_id: str = "hist-fallout"
) -> list[str]:
    """Billing fails for good; the task falls out; an agent retries it and the order completes."""
    set_config("billing", FaultConfig(failure_rate=1.0, failure_mode=FailureMode.PERMANENT))
    invalidate_cache()
    order = _order(order_id, sample_order("handset-nova-x5"))
    decide = asyncio.create_task(_decide_fallout(client, order.id, FalloutAction.RETRY))
    ids = await _run(client, queue, order)
    await decide
    return ids


async def failed_item_is_compensated(
    client: Client, queue: str, order_id: str = "hist-partial"
) -> list[str]:
    """Activation fails; the agent fails the broadband item; its work is undone; order partial."""
    set_workforce_config(auto_complete=True, latency_ms=50)
    set_config("activation", FaultConfig(failure_rate=1.0, failure_mode=FailureMode.PERMANENT))
    invalidate_cache()
    items = [
        {**SAMPLE_ITEMS["fiber-broadband"][0], "id": "bb"},
        {**SAMPLE_ITEMS["handset-nova-x5"][0], "id": "phone"},
    ]
    order = _order(order_id, order_body(items, start_in=timedelta(seconds=2)))
    decide = asyncio.create_task(_decide_fallout(client, order.id, FalloutAction.FAIL))
    ids = await _run(client, queue, order)
    await decide
    return ids[:1]


async def outage_hold(client: Client, queue: str) -> list[str]:
    """Shipping is offline for a while: the task is held, then resumes by itself."""
    set_config("shipping", FaultConfig(offline=True))
    invalidate_cache()

    async def back_online() -> None:
        await asyncio.sleep(3)
        reset_config("shipping")
        invalidate_cache()

    online = asyncio.create_task(back_online())
    ids = await _run(client, queue, _order("hist-outage", sample_order("handset-nova-x5")))
    await online
    return ids


async def _wait_for_task(handle: Any, suffix: str, status: str) -> None:
    while True:
        view = await handle.query(ProductOrderWorkflow.get_plan)
        if any(t.id.endswith(suffix) and t.status.value == status for t in view.tasks):
            return
        await asyncio.sleep(0.1)


async def amended_order(client: Client, queue: str, order_id: str = "hist-amended") -> list[str]:
    """A speed change before the point of no return: the port is released and reserved anew."""
    set_workforce_config(auto_complete=True, latency_ms=50)
    body = sample_order("fiber-broadband", start_in=timedelta(seconds=4))
    order = _order(order_id, body)
    handle = await _start_order(client, queue, order)
    await _wait_for_task(handle, ":reserve-port", "completed")
    item = dict(body["productOrderItem"][0])
    item["product"] = {
        "productCharacteristic": [
            *item["product"]["productCharacteristic"],
            {"name": "downloadSpeed", "value": 500},
        ]
    }
    await handle.execute_update(
        "amend_order", AmendOrder(patch={"productOrderItem": [item]}, actor="agent-1")
    )
    await handle.result()
    return [handle.id]


async def bundle_child_removed(client: Client, queue: str) -> list[str]:
    """Issue 20: a triple play sent as flat items linked by `bundles` relationships; a PATCH
    removes the IPTV child item; the bundle item itself is unchanged (patched
    `bundle-links-per-child`) and the rest of the bundle completes."""
    set_workforce_config(auto_complete=True, latency_ms=50)
    parts = bundle_items("related")
    body = order_body(parts, start_in=timedelta(seconds=4))
    order = _order("hist-tmf-bundle-related", body)
    handle = await _start_order(client, queue, order)
    await _wait_for_task(handle, ":reserve-port", "completed")
    bundle, broadband, _, mobile = parts
    bundle["productOrderItemRelationship"] = [
        r for r in bundle["productOrderItemRelationship"] if r["id"] != "1.2"
    ]
    patch = {"productOrderItem": [bundle, broadband, mobile]}
    await handle.execute_update("amend_order", AmendOrder(patch=patch, actor="agent-1"))
    await handle.result()
    # Its domain orders too: the bundle's, the kept children's and the IPTV one withdrawn.
    children = [w.id async for w in client.list_workflows(f"OrderId = '{order.id}'")]
    return [handle.id, *sorted(children)]


async def cancelled_order(
    client: Client, queue: str, order_id: str = "hist-cancelled"
) -> list[str]:
    """Cancelled before the point of no return: everything done is undone."""
    body = sample_order("fiber-broadband", start_in=timedelta(seconds=30))
    order = _order(order_id, body)
    handle = await _start_order(client, queue, order)
    await _wait_for_task(handle, ":reserve-port", "completed")
    cancellation = CancelProductOrder.model_validate(
        {"id": "hist-cancel-1", "href": "http://test/cancel/1", "productOrder": {"id": order.id}}
    )
    await handle.execute_update("cancel_order", CancelOrder(cancellation=cancellation))
    await handle.result()
    return [handle.id]


async def jeopardy_raised_and_cleared(client: Client, queue: str) -> list[str]:
    """Billing answers in 6 s where 5 s are expected: warning at 80%, critical at 100%, then
    cleared when the task is done."""
    set_config("billing", FaultConfig(latency_ms=6000))
    invalidate_cache()
    try:
        return await _run(client, queue, _order("hist-jeopardy", sample_order("handset-nova-x5")))
    finally:
        reset_config("billing")
        invalidate_cache()


def _handset_owned(order_id: str, delivered: datetime) -> str:
    """A handset the customer has had since `delivered`, for a return."""
    product_id = f"prd-{order_id}"
    if get_product(product_id) is None:
        create_product(owned_handset(product_id, "cust-1", ADDRESS, delivered))
    return product_id


def _exchange(order_id: str, product_id: str) -> ProductOrder:
    item = {
        "id": "1",
        "action": "delete",
        "productOffering": {"id": "handset-nova-x5"},
        "product": {
            "id": product_id,
            "productCharacteristic": [
                {"name": "returnType", "value": "exchange"},
                {"name": "model", "value": "nova-x5"},
            ],
        },
    }
    body = order_body([item])
    body.pop("requestedStartDate", None)
    return _order(order_id, body)


async def exchange_returned(client: Client, queue: str) -> list[str]:
    """Issue 25: an exchange whose handset comes back and is inspected before its window
    closes (the manual task's deadline timer is cancelled; behind workflow.patched)."""
    order = _exchange("hist-exchange", _handset_owned("hist-exchange", datetime.now(UTC)))
    child = client.get_workflow_handle(f"order-{order.id}/product-handset-1")

    async def inspect() -> None:
        while True:
            found = [t for t in list_tasks(TaskFilter(order_id=order.id), 0, 5)[0]]
            if found and found[0].state == "open":
                break
            await asyncio.sleep(0.1)
        result = {
            "received": True,
            "conditionGrade": "B",
            "accessoriesComplete": True,
            "serialMatches": True,
        }
        await child.execute_update(
            "complete_manual_task",
            CompleteManualTask(task_id=found[0].task_id, result=result, completed_by="desk-1"),
        )

    inspected = asyncio.create_task(inspect())
    ids = await _run(client, queue, order)
    await inspected
    return ids


async def exchange_not_received(client: Client, queue: str) -> list[str]:
    """Issue 25: an exchange never sent back: the window closes (a durable timer) and the
    receiving task closes itself, the replacement is charged."""
    delivered = datetime.now(UTC) - timedelta(days=14) + timedelta(seconds=4)
    order = _exchange("hist-exchange-lost", _handset_owned("hist-exchange-lost", delivered))
    return await _run(client, queue, order)


async def task_reassigned(client: Client, queue: str) -> list[str]:
    """A technician claims the install; a fulfillment manager hands it to another technician,
    who completes it (issue 18: the domain order's `reassign_manual_task`, the order's
    `task_reassigned`)."""
    set_workforce_config(auto_complete=False, latency_ms=0)
    body = sample_order("fiber-broadband", start_in=timedelta(seconds=2))
    order = _order("hist-reassigned", body)
    run = asyncio.create_task(_run(client, queue, order))
    found: list[Any] = []
    while not found:
        await asyncio.sleep(0.1)
        found = list_tasks(TaskFilter(order_id=order.id, state="open"), 0, 1)[0]
    task = found[0]
    child = client.get_workflow_handle(task.workflow_id)
    await child.execute_update(
        "claim_manual_task", ClaimManualTask(task_id=task.task_id, assignee="tech-anna")
    )
    await child.execute_update(
        "reassign_manual_task",
        ReassignManualTask(
            task_id=task.task_id,
            assignee="tech-bob",
            actor="mgr-mia",
            actor_role="fulfillment-manager",
            reason="recorded",
        ),
    )
    await child.execute_update(
        "complete_manual_task",
        CompleteManualTask(
            task_id=task.task_id,
            result=sample_result(task.result_schema, task.id),
            completed_by="tech-bob",
        ),
    )
    return await run


# -- issue 21: orders waiting for a review before fulfilment (branch `rules`) -----------------

REVIEW_RULES: list[dict[str, Any]] = [
    {
        "id": "big-handsets",
        "kind": "approval",
        "when": "offering == 'handset-nova-x5' and totalPrice > 650",
        "reason": "Handsets above 650 EUR need an approver",
    }
]


_published: list[bool] = []


def _publish_review_rules() -> None:
    """A catalog version with an approval rule, published in the recording's own database."""
    from store.catalog_admin import publish_draft
    from store.catalogs import seed_repository

    if _published:
        return
    _published.append(True)
    base = seed_repository().latest
    version = f"{base.version}.21"
    document = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    publish_draft(version, {**document, "version": version, "rules": REVIEW_RULES}, actor="rec")


def _handset(order_id: str, storage: int) -> ProductOrder:
    body = sample_order("handset-nova-x5")
    chars = body["productOrderItem"][0]["product"]["productCharacteristic"]
    chars.append({"name": "storageGb", "value": storage})
    return _order(order_id, body)


async def _start_waiting(client: Client, queue: str, order: ProductOrder, state: str) -> Any:
    """Start the order and wait until it waits for its review in `state`."""
    _publish_review_rules()
    handle = await _start_order(client, queue, order)
    while True:
        if (await handle.query(ProductOrderWorkflow.get_order)).state.value == state:
            return handle
        await asyncio.sleep(0.1)


async def _review_then_end(
    client: Client, queue: str, order: ProductOrder, state: str, decision: ReviewDecision
) -> list[str]:
    handle = await _start_waiting(client, queue, order, state)
    await handle.execute_update("review_order", decision)
    await handle.result()
    return [handle.id]


async def rules_order_approved(client: Client, queue: str) -> list[str]:
    """Above the approval threshold: `pending` until an approver approves; then fulfilled."""
    decision = ReviewDecision(action=ReviewAction.APPROVE, actor="ann", actor_role="order-approver")
    return await _review_then_end(
        client, queue, _handset("hist-rules-approved", 256), "pending", decision
    )


async def rules_order_rejected(client: Client, queue: str) -> list[str]:
    decision = ReviewDecision(
        action=ReviewAction.REJECT, actor="ann", actor_role="order-approver", reason="budget"
    )
    return await _review_then_end(
        client, queue, _handset("hist-rules-rejected", 256), "pending", decision
    )


async def rules_duplicate_released(client: Client, queue: str) -> list[str]:
    """Held at capture as a suspected duplicate; an agent releases it; then fulfilled."""
    order = _handset("hist-rules-duplicate", 128)
    order.state = OrderState.HELD
    order.review = [
        OrderReview(
            kind="duplicate",
            reason="Suspected duplicate of order hist-first",
            rules=["one-parcel-per-address"],
            duplicate_of="hist-first",
            since=order.order_date,
        )
    ]
    decision = ReviewDecision(action=ReviewAction.RELEASE, actor="olga", actor_role="order-agent")
    return await _review_then_end(client, queue, order, "held", decision)


async def rules_pending_amended(client: Client, queue: str) -> list[str]:
    """An amendment below the threshold while `pending`: no approval needed any more."""
    order = _handset("hist-rules-amended", 256)
    handle = await _start_waiting(client, queue, order, "pending")
    item = order.product_order_item[0].to_tmf()
    for c in item["product"]["productCharacteristic"]:
        if c["name"] == "storageGb":
            c["value"] = 128
    patch = {"productOrderItem": [{k: v for k, v in item.items() if k != "state"}]}
    await handle.execute_update("amend_order", AmendOrder(patch=patch, actor="cust-1"))
    await handle.result()
    return [handle.id]


async def rules_pending_cancelled(client: Client, queue: str) -> list[str]:
    order = _handset("hist-rules-cancelled", 256)
    handle = await _start_waiting(client, queue, order, "pending")
    cancellation = CancelProductOrder.model_validate(
        {"id": "hist-rules-cancel", "href": "http://test/c", "productOrder": {"id": order.id}}
    )
    await handle.execute_update("cancel_order", CancelOrder(cancellation=cancellation))
    await handle.result()
    return [handle.id]


async def continued_as_new(
    client: Client, queue: str, order_id: str = "hist-continued"
) -> list[str]:
    """Issue 24: two triple plays under a threshold of 100 events: the order continues as new
    several times (workflows/order/continuation.py). Every run's history, oldest first."""
    set_workforce_config(auto_complete=True, latency_ms=50)
    body = sample_order("triple-play")
    [item] = body["productOrderItem"]
    body["productOrderItem"] = [{**item, "id": str(n)} for n in range(1, 3)]
    order = _order(order_id, body)
    handle = await client.start_workflow(
        ProductOrderWorkflow.run,
        ProductOrderInput(order=order, policy=OrderPolicy(continue_as_new_after_events=100)),
        id=f"order-{order.id}",
        task_queue=queue,
        static_summary=order_summary(order),
        static_details=order_details(order),
    )
    await handle.result()
    runs = [r async for r in client.list_workflows(f"WorkflowId = '{handle.id}'")]
    runs.sort(key=lambda r: r.start_time)
    return [f"{handle.id}@{r.run_id}@run{n}" for n, r in enumerate(runs, 1)]


SCENARIOS: dict[str, Scenario] = {
    "product_order_completed": completed_order,
    "product_order_rejected": rejected_order,
    "product_order_technician": order_with_technician,
    "product_order_staggered": staggered_order,
    "product_order_fallout_retry": fallout_then_retry,
    "product_order_partial": failed_item_is_compensated,
    "product_order_outage_hold": outage_hold,
    "product_order_amended": amended_order,
    "product_order_cancelled": cancelled_order,
    "product_order_jeopardy": jeopardy_raised_and_cleared,
    "product_order_start_gated": start_gated_order,
    # After the patch `wait-for-handlers-before-closing`: its marker is in this history.
    "product_order_amended_patched": lambda client, queue: amended_order(
        client, queue, "hist-amended-patched"
    ),
    # Issue 25 (branch `returns`), the patch `manual-task-deadline`: record them alone with
    # `scripts/record_histories.py returns_exchange_returned returns_exchange_not_received`.
    "returns_exchange_returned": exchange_returned,
    "returns_exchange_not_received": exchange_not_received,
    # Session 10, branch opsid: a manual task handed on by a fulfillment manager.
    "opsid_task_reassigned": task_reassigned,
    # Issue 20, branch tmf: `python scripts/record_histories.py tmf_bundle_related_amended`.
    "tmf_bundle_related_amended": bundle_child_removed,
    # Behind the patch `review-before-fulfilment` (issue 21): record alone, e.g.
    # `python scripts/record_histories.py rules_order_approved rules_order_rejected`.
    "rules_order_approved": rules_order_approved,
    "rules_order_rejected": rules_order_rejected,
    "rules_duplicate_released": rules_duplicate_released,
    "rules_pending_amended": rules_pending_amended,
    "rules_pending_cancelled": rules_pending_cancelled,
    # Issue 24, after the patch `fewer-events-per-order` (branch perf): milestones finished by
    # the order, a child's outcomes batched, fewer store writes and upserts.
    "perf_order_completed": lambda client, queue: completed_order(client, queue, "perf-handset"),
    "perf_order_technician": lambda client, queue: order_with_technician(
        client, queue, "perf-fiber"
    ),
    "perf_order_fallout_retry": lambda client, queue: fallout_then_retry(
        client, queue, "perf-fallout"
    ),
    "perf_order_partial": lambda client, queue: failed_item_is_compensated(
        client, queue, "perf-partial"
    ),
    "perf_order_amended": lambda client, queue: amended_order(client, queue, "perf-amended"),
    "perf_order_cancelled": lambda client, queue: cancelled_order(client, queue, "perf-cancelled"),
    # Issue 24, session 12, the patch `order-continue-as-new`: record alone with
    # `python scripts/record_histories.py order_continued_as_new` (one file per run).
    "order_continued_as_new": continued_as_new,
    # After the patch `resume-in-next-task`: `python scripts/record_histories.py
    # order_continued_as_new_next_task`.
    "order_continued_as_new_next_task": lambda client, queue: continued_as_new(
        client, queue, "hist-continued-next-task"
    ),
    # After the patch `quiet-before-continue-as-new`: `python scripts/record_histories.py
    # order_continued_as_new_quiet`.
    "order_continued_as_new_quiet": lambda client, queue: continued_as_new(
        client, queue, "hist-continued-quiet"
    ),
}


async def main(names: list[str]) -> None:
    create_tables()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        search_attributes=list(ALL_KEYS),
        data_converter=recording_converter(),
        ui=False,
    )
    queue = os.environ["TESSERA_TASK_QUEUE"]
    try:
        async with build_worker(env.client, task_queue=queue):
            for name in names or list(SCENARIOS):
                workflow_ids = await SCENARIOS[name](env.client, queue)
                for n, workflow_id in enumerate(workflow_ids):
                    # "id@run id@label": one run of a workflow that continued as new.
                    workflow_id, run_id, label = (workflow_id.split("@") + ["", ""])[:3]
                    handle = env.client.get_workflow_handle(workflow_id, run_id=run_id or None)
                    # Children end just after their parent (its close policy): whole histories.
                    await handle.result()
                    history = await handle.fetch_history()
                    # A bundle child's domain order id holds a "/" too: keep all of it.
                    own = workflow_id.split("/", 1)[-1].replace("/", ".").replace("#", "-")
                    suffix = f".{label}" if label else "" if n == 0 else "." + own
                    path = release_folder() / f"{name}{suffix}.json"
                    if write_new(path, history.to_json()):
                        print(f"recorded {path.name} ({len(history.events)} events)")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
