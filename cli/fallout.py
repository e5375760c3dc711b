"""`oms fallout ...`: the fallout agent's command line, over the REST API (/ops/v1/fallout)."""

from __future__ import annotations

import json
from typing import Any

import typer

from cli import api_client

app = typer.Typer(help="Work fallout cases: list, show, retry, skip, fail, bulk-retry.")
app.callback()(api_client.caller_options("fallout-manager"))


def _call(method: str, path: str, agent: str | None = None, **kwargs: Any) -> Any:
    """In the name of `agent` when the command names one (a token minted for them locally)."""
    return api_client.call(method, f"/ops/v1/fallout{path}", agent, **kwargs)


_show = api_client.show


@app.command("list")
def list_cases(
    state: str | None = typer.Option(
        None, help="open | inProgress | retrying | resolved | all (default: not resolved)"
    ),
    system: str | None = typer.Option(None),
    error_type: str | None = typer.Option(None, "--error-type"),
    limit: int = typer.Option(50),
) -> None:
    """Cases not resolved (by default, as GET /ops/v1/fallout), oldest first, one a line."""
    params = {"state": state, "system": system, "errorType": error_type, "limit": limit}
    cases = _call("GET", "", params={k: v for k, v in params.items() if v is not None})
    for case in cases:
        typer.echo(
            f"{case['id']}  {case['state']:<10} {case['system']}.{case['operation']:<18} "
            f"{case['errorType']:<26} order {case['orderId']}  {case['message'][:60]}"
        )
    typer.echo(f"{len(cases)} case(s)")


@app.command()
def show(case_id: str) -> None:
    """A case with its decisions so far."""
    _show(_call("GET", f"/{case_id}"))


@app.command()
def retry(
    case_id: str,
    agent: str | None = typer.Option(
        None, help="Who decides: the token's subject (a local token is minted in this name)."
    ),
    note: str | None = typer.Option(None),
    params: str | None = typer.Option(None, help="Corrected task data, as a JSON object."),
) -> None:
    """Run the failed task again."""
    body = {"agent": agent, "note": note, "params": json.loads(params) if params else {}}
    _show(_call("POST", f"/{case_id}/retry", agent, json=body))


@app.command()
def skip(
    case_id: str,
    agent: str | None = typer.Option(None),
    result: str = typer.Option(..., help="The result of the work done by hand, as JSON."),
    note: str | None = typer.Option(None),
) -> None:
    """The work was done by hand: go on with its result."""
    body = {"agent": agent, "note": note, "result": json.loads(result)}
    _show(_call("POST", f"/{case_id}/skip", agent, json=body))


@app.command()
def fail(
    case_id: str, agent: str | None = typer.Option(None), note: str | None = typer.Option(None)
) -> None:
    """Fail the item; its completed work is undone."""
    _show(_call("POST", f"/{case_id}/fail", agent, json={"agent": agent, "note": note}))


@app.command("bulk-retry")
def bulk_retry(
    system: str, agent: str | None = typer.Option(None), note: str | None = typer.Option(None)
) -> None:
    """Retry every open case of one system, e.g. after its outage was fixed."""
    body = {"system": system, "agent": agent, "note": note}
    _show(_call("POST", "/bulk-retry", agent, json=body))
