"""`oms replay`: replay histories against the workflow code on disk, the check before a deploy.

Histories come from a running Temporal (one workflow id, or every workflow a visibility query
finds, running or closed) or from JSON files. Any non-determinism exits non-zero, naming the
workflow and the history event where the new code parted from it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from temporalio.client import Client, WorkflowHistory
    from temporalio.converter import DataConverter

ORDERS_QUERY = "WorkflowType = 'ProductOrder' OR WorkflowType = 'DomainOrder'"


@dataclass(frozen=True)
class Verdict:
    workflow_id: str
    run_id: str | None
    events: int
    problem: str | None = None  # None: replays on this code

    def line(self) -> str:
        where = f"{self.workflow_id} (run {self.run_id})" if self.run_id else self.workflow_id
        if self.problem is None:
            return f"ok    {where}: {self.events} events"
        return f"FAIL  {where}: {self.problem}"


def _core_message(failure: Exception) -> str:
    # The SDK wraps core's failure ("... message: \"[TMPRL1100] ...\", source: ..."): keep the
    # sentence an engineer needs.
    found = re.search(r'message: "(.*?)", source', str(failure))
    message = found.group(1) if found else str(failure)
    if message == "Encoded failure":  # our failure converter encrypts messages; name the type
        kind = re.search(r'r#type: "(\w*)"', str(failure))
        return f"{kind.group(1) if kind else 'failure'} (its message is encrypted; see the log)"
    return message


def _event_named(history: WorkflowHistory, message: str) -> str | None:
    """The history event the failure is about: by id when core gives one, else the first event
    carrying the name core quotes (`scheduled event 'shipping.ship'`)."""
    if by_id := re.search(r"(?:event id|id:|EventId\(|event_id:?)\s*(\d+)", message, re.I):
        event_id = int(by_id.group(1))
        for event in history.events:
            if event.event_id == event_id:
                return f"event {event_id} ({_event_type(event)})"
        return f"event {event_id}"
    quoted = re.search(r"event '([^']+)'", message)
    if quoted:
        for event in history.events:
            if quoted.group(1).encode() in event.SerializeToString():
                return f"event {event.event_id} ({_event_type(event)})"
    return None


def _event_type(event: object) -> str:
    from temporalio.api.enums.v1 import EventType

    name = EventType.Name(event.event_type)  # type: ignore[attr-defined]
    return name.removeprefix("EVENT_TYPE_").replace("_", " ").title().replace(" ", "")


async def replay(histories: list[WorkflowHistory], converter: DataConverter) -> list[Verdict]:
    # Imported here: every `oms` command loads this module, and the workflows take a second.
    from temporalio.worker import Replayer

    from workflows.registry import WORKFLOWS

    replayer = Replayer(workflows=WORKFLOWS, data_converter=converter)
    verdicts: list[Verdict] = []
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        problem = None
        if result.replay_failure is not None:
            message = _core_message(result.replay_failure)
            event = _event_named(history, message)
            problem = f"{event}: {message}" if event else message
        run_id = (
            history.events[0].workflow_execution_started_event_attributes.original_execution_run_id
            if history.events
            else None
        )
        verdicts.append(Verdict(history.workflow_id, run_id or None, len(history.events), problem))
    return verdicts


async def fetch(
    client: Client, workflow_id: str | None, query: str | None, limit: int
) -> list[WorkflowHistory]:
    if workflow_id:
        return [await client.get_workflow_handle(workflow_id).fetch_history()]
    histories: list[WorkflowHistory] = []
    async for execution in client.list_workflows(query or ORDERS_QUERY, limit=limit):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        histories.append(await handle.fetch_history())
    return histories


def read_files(paths: list[Path]) -> list[WorkflowHistory]:
    from temporalio.client import WorkflowHistory

    return [WorkflowHistory.from_json(path.stem, json.loads(path.read_text())) for path in paths]


def replay_command(
    workflow_id: str | None = typer.Argument(None, help="One workflow id (`order-<id>`)."),
    query: str | None = typer.Option(
        None, "--query", "-q", help=f"A visibility query; default: {ORDERS_QUERY}"
    ),
    history_file: list[Path] = typer.Option(
        [], "--history-file", "-f", help="Replay JSON history files instead (repeatable)."
    ),
    limit: int = typer.Option(1000, help="At most this many workflows from the query."),
) -> None:
    """Replay order histories against the code on disk; non-zero exit on non-determinism."""
    from temporal_client import connect_temporal, data_converter

    async def run() -> list[Verdict]:
        if history_file:
            return await replay(read_files(history_file), data_converter())
        client = await connect_temporal()
        return await replay(await fetch(client, workflow_id, query, limit), client.data_converter)

    verdicts = asyncio.run(run())
    for verdict in verdicts:
        typer.echo(verdict.line(), err=verdict.problem is not None)
    failed = [v for v in verdicts if v.problem is not None]
    typer.echo(f"{len(verdicts)} replayed, {len(failed)} failed")
    # Exit without Python's finalization: the Temporal core's threads (replayer, client) may
    # still call into the interpreter while it finalizes, and that aborts the process (seen:
    # "PyGILState_Release ... finalizing", exit -6) after a replay that passed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failed else 0)
