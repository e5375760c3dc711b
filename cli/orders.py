"""`oms orders list|show|plan|timeline`: orders in a terminal, over the REST API."""

from __future__ import annotations

from typing import Any

import typer

from cli import api_client
from cli.api_client import call, show

app = typer.Typer(help="Find orders and look at their items, plan and timeline.")

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"


def _short(iso: str | None) -> str:
    return (iso or "")[:19].replace("T", " ")


app.callback()(api_client.caller_options("order-manager"))


@app.command("list")
def list_orders(
    q: str | None = typer.Option(None, "--search", "-q", help="Text anywhere in the order."),
    state: str | None = typer.Option(None),
    jeopardy: str | None = typer.Option(None, help="warning | critical"),
    fallout: bool = typer.Option(False, "--fallout", help="Only orders with open fallout."),
    limit: int = typer.Option(25),
    offset: int = typer.Option(0),
) -> None:
    """Orders, newest first, one line each."""
    params: dict[str, Any] = {"q": q, "state": state, "jeopardy": jeopardy, "limit": limit}
    params.update(offset=offset, fallout="open" if fallout else None)
    rows = call("GET", "/ops/v1/orders", params={k: v for k, v in params.items() if v is not None})
    for o in rows:
        typer.echo(
            f"{o['id']}  {o['state']:<12} {o['customerId'] or '':<20} "
            f"{','.join(o['offerings']):<24} "
            f"jeopardy {o['jeopardy']:<8} fallout {o['openFallout']}  {_short(o['orderDate'])}"
        )
    typer.echo(f"{len(rows)} order(s)")


@app.command("show")
def show_order(
    order_id: str, raw: bool = typer.Option(False, "--json", help="The whole TMF document.")
) -> None:
    """An order: state, dates, items with their states and prices."""
    order = call("GET", f"{ORDERS}/{order_id}")
    if raw:
        show(order)
        return
    jeopardy = order.get("jeopardy") or {}
    typer.echo(f"order {order['id']}  {order['state']}  version {order.get('version', 1)}")
    typer.echo(f"  ordered {_short(order.get('orderDate'))}  due {_short(jeopardy.get('dueDate'))}")
    typer.echo(f"  jeopardy {jeopardy.get('level', 'none')}  {jeopardy.get('cause') or ''}")
    for item in order.get("productOrderItem", []):
        offering = (item.get("productOffering") or {}).get("id", "")
        prices = ", ".join(
            f"{p['price']['taxIncludedAmount']['value']} {p['price']['taxIncludedAmount']['unit']}"
            f"{'/' + p['recurringChargePeriod'] if p.get('recurringChargePeriod') else ''}"
            for p in item.get("itemPrice") or []
            if (p.get("price") or {}).get("taxIncludedAmount")
        )
        typer.echo(f"  item {item['id']}  {item['action']:<8} {offering:<20} {item.get('state')}")
        if prices:
            typer.echo(f"      {prices}")


@app.command()
def plan(order_id: str) -> None:
    """The plan: each domain order and its tasks with their live states."""
    answer = call("GET", f"/ops/v1/orders/{order_id}/plan")
    tasks = answer.get("tasks", [])
    for domain_order in answer.get("domainOrders", []):
        typer.echo(f"{domain_order['id']}  ({domain_order['domain']})")
        for task in tasks:
            if task["domainOrderId"] == domain_order["id"]:
                after = f"  after {', '.join(task['dependsOn'])}" if task["dependsOn"] else ""
                typer.echo(f"  {task['status']:<10} {task['id']}{after}")
    for part in answer.get("deferred", []):
        typer.echo(f"waiting for information: item {part['item_id']} {part['missing']}")
    typer.echo(f"{len(tasks)} task(s), order {answer['state']}")


@app.command()
def timeline(order_id: str) -> None:
    """Planned and actual times of every task; `*` marks the critical path."""
    answer = call("GET", f"/ops/v1/orders/{order_id}/timeline")
    critical = set(answer.get("criticalPath", []))
    typer.echo(f"{'':1} {'task':<48} {'status':<10} {'planned start':<19}  {'actual start':<19}")
    for task in answer.get("tasks", []):
        mark = "*" if task["id"] in critical else " "
        typer.echo(
            f"{mark} {task['id'][:48]:<48} {task['status']:<10} "
            f"{_short(task.get('plannedStart')):<19}  {_short(task.get('actualStart')):<19}"
        )
    typer.echo(
        f"critical path {answer.get('criticalPathSeconds', 0):.0f} s, "
        f"expected completion {_short(answer.get('expectedCompletion'))}"
    )
