"""Order admission: accepted orders start at the rate the workers sustain.

Every accepted order is written to the store together with a row in the admission queue (one
transaction), so nothing accepted is lost, and the loop here starts any order whose start failed
(Temporal unreachable, an API crash).

Admission control proper is off unless ORDER_ADMISSION_MAX_BACKLOG is set (the benchmarks set
it). Then, while the workers keep up (the task queue's backlog is at most that many tasks), a
POST's workflow starts right after its answer; otherwise the order waits in the queue, and
`admission_loop` starts the most urgent and oldest waiting orders as the backlog drains. Starts
are capped per round (ORDER_ADMISSION_STARTS_PER_ROUND, POSTs and waiting orders together): the
backlog shows an order's work only once its workflow and children run, so without a cap a burst
would start hundreds of orders before the gate closed. Without the gate, a burst of orders
starts thousands of workflows that compete for the worker's slots and cache, and every order
slows down (bench/results/memory.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.concurrency import run_in_threadpool
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from api.order_workflows import ensure_order_workflow
from api.start_failures import TRANSIENT_ERRORS, is_permanent, rejected_order, rejection_event
from api.temporal import get_client
from config.settings import Settings
from observability.logs import get_logger
from store import drafts, orders
from tmf.product_order import ProductOrder
from workflows.order import workflow_id_for

log = get_logger(__name__)

# What a start may fail with when Temporal is unreachable or overloaded: the order stays queued.
START_ERRORS = TRANSIENT_ERRORS


@dataclass
class Gate:
    """This API process's view of the workers' capacity, refreshed by `admission_loop`."""

    open: bool = True
    # Starts left in this round; refilled by each check while the gate is open.
    allowance: int = 0
    workflow_backlog: int | None = None
    activity_backlog: int | None = None
    checked_at: datetime | None = None
    reason: str = "not checked yet"


# The allowance is filled by the loop's first round, which runs as the API starts.
GATE = Gate()


def gating(settings: Settings) -> bool:
    return settings.order_admission_max_backlog is not None


def spend_allowance() -> bool:
    """One start from this round's allowance, if the gate is open and any is left."""
    if not GATE.open or GATE.allowance <= 0:
        return False
    GATE.allowance -= 1
    return True


def take_start(settings: Settings) -> bool:
    """Whether a new order starts now: without admission control every one does, with it one
    start from the round's allowance."""
    return not gating(settings) or spend_allowance()


async def task_queue_backlog(client: Client, queue: str, kind: TaskQueueType.ValueType) -> int:
    """Tasks of one kind waiting for a worker on the order task queue (approximate)."""
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=queue),
            task_queue_type=kind,
            report_stats=True,
        )
    )
    return int(described.stats.approximate_backlog_count)


async def check_gate(client: Client, settings: Settings) -> None:
    limit = settings.order_admission_max_backlog
    if limit is None:
        # Off: the loop only restarts what failed to start, a round's allowance at a time.
        GATE.open, GATE.reason = True, "admission control off"
        GATE.allowance = settings.order_admission_starts_per_round
        GATE.checked_at = datetime.now(UTC)
        return
    queue = settings.task_queue
    try:
        workflow = await task_queue_backlog(client, queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
        activity = await task_queue_backlog(client, queue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
    except START_ERRORS as err:
        # Temporal unreachable: accept orders into the queue rather than wait on a dead server.
        GATE.open, GATE.reason = False, f"Temporal unreachable: {err}"
    else:
        GATE.workflow_backlog, GATE.activity_backlog = workflow, activity
        GATE.open = max(workflow, activity) <= limit
        GATE.reason = "workers keep up" if GATE.open else f"task queue backlog above {limit} tasks"
    GATE.allowance = settings.order_admission_starts_per_round if GATE.open else 0
    GATE.checked_at = datetime.now(UTC)


async def start_order(client: Client, order: ProductOrder) -> bool:
    """Start the order's workflow (idempotent) and take it out of the queue. An order that can
    never start is rejected instead (False); Temporal unreachable raises (it stays queued)."""
    try:
        await ensure_order_workflow(client, order)
    except Exception as err:
        if not is_permanent(err):
            raise
        log.warning("order cannot start: rejected", order_id=order.id, error=str(err)[:300])
        now = datetime.now(UTC)
        rejected = rejected_order(order, err, now)
        await run_in_threadpool(orders.reject_unstartable, rejected, rejection_event(rejected, now))
        return False
    await run_in_threadpool(orders.mark_started, order.id)
    return True


async def admit_queued(client: Client, queue: str) -> int:
    """Start queued orders of the task queue with what is left of this round's allowance;
    returns how many."""
    if not GATE.open or GATE.allowance <= 0:
        return 0
    batch = await run_in_threadpool(orders.queued_orders, queue, GATE.allowance)
    started = 0
    for document in batch:
        if not spend_allowance():  # new POSTs took the rest of the round
            break
        try:
            order = ProductOrder.model_validate(document)
            if not await start_order(client, order):
                continue  # rejected: it cannot start, ever
        except Exception as err:
            # One order that cannot start must not hold up those behind it in the queue.
            log.warning("queued order not started", order_id=document.get("id"), error=str(err))
            continue
        started += 1
    return started


async def admission_loop(settings: Settings) -> None:
    """Runs for the API's lifetime; several API processes may run it (starts are idempotent).
    It runs outside any request, so the API's lifespan hands it the settings it loaded."""
    while True:
        try:
            client = await get_client()
            await check_gate(client, settings)
            admitted = await admit_queued(client, settings.task_queue)
            # Drafts past ORDER_DRAFT_TTL_HOURS are marked cancelled (store/drafts.py).
            await run_in_threadpool(drafts.expire_drafts, datetime.now(UTC))
            if admitted:
                log.info("orders admitted", count=admitted, backlog=GATE.workflow_backlog)
        except Exception as err:  # keep admitting whatever one round hit
            log.warning("admission round failed", error=str(err))
        await asyncio.sleep(settings.order_admission_poll_seconds)


# Starts running after their POST answered; held here so the event loop keeps them to the end.
_STARTING: set[asyncio.Task[None]] = set()


def start_after_response(order: ProductOrder, settings: Settings) -> None:
    """Start a just-accepted order's workflow without holding up its 201. The order is durable
    already (store and admission queue); if this start fails or the API dies first, the
    admission loop starts it. The start waits on a Temporal server that shares the machine's
    CPU with the workers, so inline it set the POST's tail latency (bench/results/api_load*.md)."""
    task = asyncio.create_task(admit_on_acceptance(order, settings))
    _STARTING.add(task)
    task.add_done_callback(_STARTING.discard)


# On shutdown, how long the starts of orders just answered may take (any left, the loop starts).
FINISH_STARTS_SECONDS = 5.0


async def finish_starts() -> None:
    if _STARTING:
        await asyncio.wait(set(_STARTING), timeout=FINISH_STARTS_SECONDS)


async def admit_on_acceptance(order: ProductOrder, settings: Settings) -> None:
    """Start a just-accepted order now if the workers keep up; otherwise the loop starts it."""
    if not take_start(settings):
        return
    try:
        await start_order(await get_client(), order)
    except Exception as err:  # it runs after the answer: whatever failed, the loop starts it
        log.warning("workflow start deferred", order_id=order.id, error=str(err))


def order_id_of(workflow_id: str) -> str | None:
    """The order of an order workflow id (`order-<id>`); None for any other workflow."""
    prefix = workflow_id_for("")
    if workflow_id.startswith(prefix) and "/" not in workflow_id:
        return workflow_id[len(prefix) :]
    return None


async def is_queued(workflow_id: str) -> bool:
    order_id = order_id_of(workflow_id)
    return order_id is not None and await run_in_threadpool(orders.is_queued, order_id)


async def start_if_queued(workflow_id: str) -> bool:
    """An order that a client acts on (amend, cancel, ...) is started at once, gate or not:
    the caller is waiting for it. Returns whether a queued order was started."""
    order_id = order_id_of(workflow_id)
    if order_id is None or not await run_in_threadpool(orders.is_queued, order_id):
        return False
    document = await run_in_threadpool(orders.get_order, order_id)
    if document is None:
        return False
    return await start_order(await get_client(), ProductOrder.model_validate(document))
