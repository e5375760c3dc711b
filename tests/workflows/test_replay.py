"""Every workflow type replays the histories kept in tests/histories/: determinism guard.

The corpus only grows (tests/history_corpus.py): the clear histories recorded before payload
encryption (the flat files) and the encrypted ones of each release (`v<version>/`), all replayed
on the current code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.history_corpus import HISTORIES as FOLDER
from tests.history_corpus import recording_converter
from workflows.registry import WORKFLOWS

HISTORIES = sorted(FOLDER.rglob("*.json"))


def _name(path: Path) -> str:
    return str(path.relative_to(FOLDER).with_suffix(""))


def _workflow_type(path: Path) -> str:
    events = json.loads(path.read_text())["events"]
    return str(events[0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"])


def test_every_workflow_type_has_a_history_of_this_release() -> None:
    registered = {wf.__temporal_workflow_definition.name for wf in WORKFLOWS}  # type: ignore[attr-defined]
    releases = sorted({p.parent for p in HISTORIES if p.parent != FOLDER})
    assert releases, "no release folder (tests/histories/v<version>/)"
    recorded = {_workflow_type(path) for path in releases[-1].glob("*.json")}
    assert registered <= recorded, f"no history for {sorted(registered - recorded)}"


def test_both_clear_and_encrypted_histories_are_in_the_corpus() -> None:
    encrypted = [p for p in HISTORIES if "YmluYXJ5L2VuY3J5cHRlZA" in p.read_text()]  # base64
    assert encrypted and len(encrypted) < len(HISTORIES)


@pytest.mark.parametrize("path", HISTORIES, ids=[_name(p) for p in HISTORIES])
async def test_history_replays_on_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=recording_converter())

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, f"{_name(path)}: {result.replay_failure}"
