"""GET /ops/v1/kpis: the workspace's KPIs over a period (default: the last 7 days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request

from api.errors import TmfError
from api.identity import requires
from api.kpis import OrderFact, TaskFact, compute_kpis
from api.permissions import Permission
from api.tmf_query import parse_datetime, reject_unknown_filters
from store import kpi_facts
from tmf.product_order import OrderState
from workflows.plan_execution import PlanExecution, TaskStatus
from workflows.plan_view import order_plan_view

router = APIRouter(prefix="/ops/v1/kpis", tags=["kpis"])

# Orders read per request, latest first; closed plans read for task times.
MAX_ORDERS = 20_000
MAX_PLANS = 500


def _when(raw: str | None) -> datetime | None:
    return None if raw is None else datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _order_fact(document: dict[str, Any], jeopardy: set[str], fallout: set[str]) -> OrderFact:
    completed = _when(document.get("completionDate"))
    return OrderFact(
        order_id=document["id"],
        state=str(document.get("state")),
        offerings=tuple(
            sorted(
                {
                    str((i.get("productOffering") or {}).get("id") or i.get("action"))
                    for i in document.get("productOrderItem") or []
                }
            )
        ),
        ordered_at=_when(document["orderDate"]) or datetime.now(UTC),
        completed_at=completed,
        had_jeopardy=document["id"] in jeopardy,
        had_fallout=document["id"] in fallout,
    )


def _task_facts(order_ids: list[str]) -> list[TaskFact]:
    facts = []
    for order_id, state, execution in kpi_facts.closed_plans(order_ids[:MAX_PLANS]):
        view = order_plan_view(order_id, OrderState(state), PlanExecution.model_validate(execution))
        for task in view.tasks:
            if task.status != TaskStatus.COMPLETED or not (task.actual_start and task.actual_end):
                continue
            facts.append(
                TaskFact(
                    name=task.name,
                    expected_seconds=task.expected_duration_seconds,
                    actual_seconds=(task.actual_end - task.actual_start).total_seconds(),
                )
            )
    return facts


@router.get(
    "",
    summary="KPIs of the orders placed in a period (from, to; default 7 days)",
    dependencies=[requires(Permission.ORDER_MONITOR)],
)
def kpis(request: Request) -> dict[str, Any]:
    params = request.query_params
    reject_unknown_filters(params.keys(), ["from", "to"])
    end = parse_datetime("to", params["to"]) if params.get("to") else datetime.now(UTC)
    start = (
        parse_datetime("from", params["from"]) if params.get("from") else end - timedelta(days=7)
    )
    if start >= end:
        raise TmfError(400, "InvalidQuery", "'from' must be before 'to'")
    period = kpi_facts.period_orders(start, end, MAX_ORDERS)
    orders = [_order_fact(d, period.had_jeopardy, period.had_fallout) for d in period.documents]
    recent_first = sorted(orders, key=lambda o: o.ordered_at, reverse=True)
    tasks = _task_facts([o.order_id for o in recent_first])
    body = compute_kpis(orders, tasks, kpi_facts.open_fallout_by_system())
    return {"from": start.isoformat(), "to": end.isoformat(), **body}
