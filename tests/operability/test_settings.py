"""Settings are checked when a process starts: a bad value stops it with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from pydantic import ValidationError

from config.settings import Settings, environment_names
from tests.conftest import ROOT


def _start(command: str, **bad: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **bad}
    return subprocess.run(
        [sys.executable, "-m", "cli", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["api", "worker"])
def test_bad_due_hours_stop_the_process_at_start_up(command: str) -> None:
    started = time.monotonic()
    result = _start(command, ORDER_DUE_HOURS_BY_PRIORITY='{"0": 24, "1": "three days"}')
    assert result.returncode == 2
    assert "ORDER_DUE_HOURS_BY_PRIORITY" in result.stderr
    assert "hours for priority 1 must be a number > 0" in result.stderr
    # It stopped at once: no attempt to reach Temporal or serve requests first.
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("command", ["api", "worker"])
def test_bad_port_stops_the_process_at_start_up(command: str) -> None:
    result = _start(command, API_PORT="80800")
    assert result.returncode == 2
    assert "API_PORT='80800'" in result.stderr
    assert "less than or equal to 65535" in result.stderr


def test_due_hours_that_are_not_json_are_refused() -> None:
    with pytest.raises(ValidationError, match="not JSON"):
        Settings(order_due_hours_by_priority="{0: 24}")


def test_due_hours_are_parsed_once_checked() -> None:
    settings = Settings(order_due_hours_by_priority='{"0": 12, "3": 100.5}')
    assert settings.due_hours_by_priority == {"0": 12.0, "3": 100.5}


def test_log_format_is_one_of_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="LOG_FORMAT|log_format"):
        Settings(log_format="xml")


def test_settings_are_read_from_their_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKER_MAX_CONCURRENT_ACTIVITIES", "7")
    monkeypatch.setenv("SIMULATOR_NEXT_SLOT_SECONDS", "")
    settings = Settings()
    assert settings.max_concurrent_activities == 7
    assert settings.simulator_next_slot_seconds is None
    assert {"WORKER_MAX_CONCURRENT_ACTIVITIES", "DATABASE_URL"} <= environment_names()
