"""`oms tasks list|claim|assign|complete`: the manual task inbox in a terminal, over the API."""

from __future__ import annotations

import json

import typer

from cli import api_client
from cli.api_client import call, show

app = typer.Typer(help="Manual tasks: list the inbox, claim a task, complete it with its result.")


app.callback()(api_client.caller_options("fulfillment-agent"))


@app.command("list")
def list_tasks(
    queue: str | None = typer.Option(None),
    skill: str | None = typer.Option(None),
    state: str | None = typer.Option("open", help="open | claimed | completed; '' for all"),
    assignee: str | None = typer.Option(None),
    limit: int = typer.Option(50),
) -> None:
    """Tasks (open ones by default), one line each, with the result fields they expect."""
    params = {"queue": queue, "skill": skill, "state": state or None, "assignee": assignee}
    found = call(
        "GET",
        "/ops/v1/tasks",
        params={"limit": limit, **{k: v for k, v in params.items() if v is not None}},
    )
    for task in found:
        fields = ", ".join(((task.get("resultSchema") or {}).get("properties") or {}).keys())
        typer.echo(
            f"{task['id']}  {task['state']:<9} {task['queue']:<14} {task['skill'] or '':<16} "
            f"{task['name'][:40]:<40} order {task['orderId']}  result: {fields}"
        )
    typer.echo(f"{len(found)} task(s)")


@app.command()
def claim(task_ref: str, assignee: str = typer.Option(..., help="Who takes the task.")) -> None:
    """Claim a task."""
    show(call("POST", f"/ops/v1/tasks/{task_ref}/claim", assignee, json={"assignee": assignee}))


@app.command()
def assign(
    task_ref: str,
    to: str | None = typer.Option(None, help="Who works it from now on (left out: you)."),
    reason: str | None = typer.Option(None),
    by: str | None = typer.Option(None, help="The manager who reassigns (local tokens)."),
) -> None:
    """Hand a task, even one someone else claimed, to another person or take it over (a
    fulfillment manager: `--role fulfillment-manager`)."""
    body = {"assignee": to, "reason": reason}
    show(call("POST", f"/ops/v1/tasks/{task_ref}/assign", by, json=body))


@app.command()
def complete(
    task_ref: str,
    result: str = typer.Option(..., help='The result, as JSON: \'{"serialNumber": "S1"}\''),
    by: str | None = typer.Option(None, help="Who did the work."),
    note: str | None = typer.Option(None),
) -> None:
    """Complete a task with its result (checked against the task's result schema)."""
    try:
        data = json.loads(result)
    except json.JSONDecodeError as err:
        raise typer.BadParameter(f"--result is not JSON: {err}") from None
    body = {"result": data, "completedBy": by, "note": note}
    show(call("POST", f"/ops/v1/tasks/{task_ref}/complete", by, json=body))
