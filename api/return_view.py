"""What the customer sees of a return: its state, the inspection and the refund or charge.

Read from what is durable: the order document (its return items), the plan's task states (the
store's once the order closed, else the workflow's query), the returns desk's inspection (the
work item's result) and the settlement the returns activity recorded. The state is derived
here, pure (`return_state`), from the plan's task states.
"""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlmodel import col, select

from api.order_plans import plan_view
from api.plan_views import iso
from decomposition.returns import remedy_of
from store.db import session_scope
from store.simulator_tables import SimulatorResource
from store.tasks import completed_result
from workflows.plan_view import OrderPlanView

# The return's states, in the order a return goes through them.
STATES = (
    "authorized",  # accepted, nothing sent yet
    "awaitingReturn",  # the label is out; for an exchange the replacement ships meanwhile
    "inspected",  # the returns desk has it (or its deadline passed)
    "inRepair",
    "settled",  # disposition and refund or charge done
)


def return_state(order_state: str, tasks: dict[str, str]) -> str:
    """A return's state from its order's state and its tasks' statuses, by task key."""
    if order_state in {"cancelled", "rejected", "failed"}:
        return order_state
    if tasks.get("settle") == "completed":
        if "ship-repaired" in tasks and tasks["ship-repaired"] != "completed":
            return "inRepair"
        return "settled"
    if tasks.get("repair") not in {None, "pending"}:
        return "inRepair"
    if tasks.get("receive-return") == "completed":
        return "inspected"
    if tasks.get("return-label") == "completed":
        return "awaitingReturn"
    return "authorized"


def _settlements(order_id: str) -> dict[str, dict[str, Any]]:
    query = select(SimulatorResource).where(
        SimulatorResource.system == "returns",
        SimulatorResource.kind == "return",
        SimulatorResource.order_id == order_id,
    )
    with session_scope() as session:
        rows = session.exec(query.order_by(col(SimulatorResource.created_at))).all()
        return {row.item_id: {"id": row.id, **row.data} for row in rows}


def _item_view(
    order: dict[str, Any],
    item: dict[str, Any],
    plan: OrderPlanView | None,
    settlements: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    chars = {
        c.get("name"): c.get("value")
        for c in (item.get("product") or {}).get("productCharacteristic", [])
    }
    rows = [t for t in (plan.tasks if plan else []) if t.item_id == item["id"]]
    statuses = {t.id.rsplit(":", 1)[-1]: t.status.value for t in rows}
    ends = {t.id.rsplit(":", 1)[-1]: t.actual_end for t in rows}
    receive = next((t for t in rows if t.id.endswith(":receive-return")), None)
    inspection = completed_result(order["id"], receive.id) if receive is not None else None
    settlement = settlements.get(item["id"])
    view: dict[str, Any] = {
        "itemId": item["id"],
        "productId": (item.get("product") or {}).get("id"),
        "remedy": remedy_of(chars.get("returnType")).value,
        "reason": chars.get("returnReason"),
        "state": return_state(order["state"], statuses),
        "replacementShipped": statuses.get("ship-replacement") == "completed",
        "replacementShippedAt": iso(ends.get("ship-replacement")),
        "returnReceived": None if inspection is None else bool(inspection.get("received", True)),
        "inspection": inspection,
    }
    if settlement is not None:
        view.update(
            disposition=settlement.get("disposition"),
            refund=settlement.get("refund"),
            restockingFee=settlement.get("restockingFee"),
            deduction=settlement.get("deduction"),
            charge=settlement.get("charge"),
            reasons=settlement.get("reasons", []),
        )
    return view


async def return_view(order: dict[str, Any]) -> dict[str, Any]:
    """The order's returns (its delete items), each with its state and money."""
    items = [i for i in order.get("productOrderItem", []) if i.get("action") == "delete"]
    plan = await plan_view(order["id"], tolerate_unavailable=True) if items else None
    settlements = await run_in_threadpool(_settlements, order["id"])
    views = [await run_in_threadpool(_item_view, order, item, plan, settlements) for item in items]
    return {"orderId": order["id"], "state": order["state"], "returns": views}
