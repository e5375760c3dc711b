"""`oms approvals list|approve|reject|release`: orders waiting for a review, over the REST API
(`/ops/v1/approvals`). The token's subject is who decides (`--as` on the local stack)."""

from __future__ import annotations

from typing import Any

import typer

from cli import api_client
from cli.api_client import call

app = typer.Typer(help="Orders waiting for approval or held as suspected duplicates.")
app.callback()(api_client.caller_options("order-approver"))

APPROVALS = "/ops/v1/approvals"


@app.command("list")
def list_waiting(
    kind: str | None = typer.Option(None, help="approval | duplicate"),
    limit: int = typer.Option(50),
) -> None:
    """What waits, the longest waiting first, one line each."""
    params: dict[str, Any] = {"limit": limit, **({"kind": kind} if kind else {})}
    rows = call("GET", APPROVALS, params=params)
    for row in rows:
        typer.echo(
            f"{row['orderId']}  {row['state']:<8} {row['kind']:<9} since {row['since'][:19]}  "
            f"jeopardy {row['jeopardy']:<8} {row['reason']}"
        )
    typer.echo(f"{len(rows)} order(s) waiting")


def _decide(action: str, order_id: str, reason: str | None, who: str | None) -> None:
    order = call("POST", f"{APPROVALS}/{order_id}/{action}", who, json={"reason": reason})
    review = (order.get("review") or [{}])[-1]
    typer.echo(f"order {order['id']}  {order['state']}  {review.get('decision') or 'waiting'}")


@app.command()
def approve(
    order_id: str,
    reason: str | None = typer.Option(None, help="A note for the order's history."),
    who: str | None = typer.Option(None, "--as", help="Local stack: who approves."),
) -> None:
    """Approve an order waiting for approval: it goes on to be fulfilled."""
    _decide("approve", order_id, reason, who)


@app.command()
def reject(
    order_id: str,
    reason: str = typer.Option(..., help="Why: the order is rejected with it."),
    who: str | None = typer.Option(None, "--as", help="Local stack: who rejects."),
) -> None:
    """Reject an order waiting for approval (a reason is required)."""
    _decide("reject", order_id, reason, who)


@app.command()
def release(
    order_id: str,
    reason: str | None = typer.Option(None, help="A note for the order's history."),
    who: str | None = typer.Option(None, "--as", help="Local stack: who releases."),
) -> None:
    """Release an order held as a suspected duplicate (role order-agent or order-manager)."""
    _decide("release", order_id, reason, who)
