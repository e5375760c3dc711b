"""ProductOrderWorkflow: one durable workflow per TMF622 product order (`order-<id>`).

State machine (TMF622): acknowledged -> inProgress -> completed, or acknowledged -> rejected.
The workflow owns the order; the store is its projection, written through `store.save_order`.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.order_planning import PlanOrderInput, PlanOrderResult
    from activities.order_store import SaveOrderInput
    from tmf.product_order import ItemState, OrderErrorMessage, OrderState, ProductOrder
    from workflows import search_attributes as sa


class ProductOrderInput(BaseModel):
    order: ProductOrder


class ProductOrderResult(BaseModel):
    order_id: str
    state: OrderState


# Short: a write takes milliseconds, and a worker that died mid-write is retried sooner.
STORE_TIMEOUT = timedelta(seconds=10)
PLANNING_TIMEOUT = timedelta(seconds=30)
# Store writes must eventually land; a database outage only delays them.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


def workflow_id_for(order_id: str) -> str:
    return f"order-{order_id}"


def order_memo(order: ProductOrder) -> dict[str, object]:
    """What the Temporal UI shows about an order at a glance."""
    offerings = sorted(
        {
            i.product_offering.name or i.product_offering.id
            for i in order.product_order_item
            if i.product_offering
        }
    )
    customer = order.customer_id() or "unknown customer"
    return {
        "summary": f"{len(order.product_order_item)} item(s) for {customer}",
        "externalId": order.external_id or "",
        "offerings": offerings,
        "href": order.href,
    }


@workflow.defn(name="ProductOrder")
class ProductOrderWorkflow:
    @workflow.init
    def __init__(self, input: ProductOrderInput) -> None:
        # Set here, not in run(): queries and updates may arrive before run() starts.
        self._order = input.order.model_copy(deep=True)
        self._revision = 0

    @workflow.run
    async def run(self, input: ProductOrderInput) -> ProductOrderResult:
        planned = await workflow.execute_activity(
            "decomposition.plan_order",
            PlanOrderInput(order=self._order),
            result_type=PlanOrderResult,
            start_to_close_timeout=PLANNING_TIMEOUT,
        )
        if planned.problems:
            await self._reject(planned)
            return self._result()

        self._set_items(ItemState.IN_PROGRESS)
        await self._move_to(OrderState.IN_PROGRESS)

        self._set_items(ItemState.COMPLETED)
        self._order.completion_date = workflow.now()
        await self._move_to(OrderState.COMPLETED)
        return self._result()

    @workflow.query(name="get_order")
    def get_order(self) -> ProductOrder:
        return self._order

    async def _reject(self, planned: PlanOrderResult) -> None:
        self._order.error_message = [
            OrderErrorMessage(
                code=p.code,
                reason=p.reason,
                productOrderItem=[p.item_id] if p.item_id else None,
            )
            for p in planned.problems
        ]
        self._set_items(ItemState.REJECTED)
        self._order.completion_date = workflow.now()
        await self._move_to(OrderState.REJECTED)

    def _set_items(self, state: ItemState) -> None:
        for item in self._order.product_order_item:
            item.state = state

    async def _move_to(self, state: OrderState) -> None:
        self._order.state = state
        workflow.upsert_search_attributes([sa.ORDER_STATE.value_set(state.value)])
        await self._persist()

    async def _persist(self) -> None:
        self._revision += 1
        await workflow.execute_activity(
            "store.save_order",
            SaveOrderInput(order=self._order, revision=self._revision),
            result_type=bool,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )

    def _result(self) -> ProductOrderResult:
        return ProductOrderResult(order_id=self._order.id, state=self._order.state)
