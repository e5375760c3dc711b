"""docker-compose.yml cannot run here (no Docker), so check it against the code instead."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cli.main import app as cli_app
from config.settings import environment_names
from workflows.search_attributes import ALL_KEYS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTING_NAMES = environment_names()


def test_every_variable_given_to_tessera_is_a_setting() -> None:
    for service in ("api", "worker"):
        names = set(COMPOSE["services"][service]["environment"])
        assert names <= SETTING_NAMES, f"{service}: unknown {sorted(names - SETTING_NAMES)}"


def test_tessera_services_run_existing_cli_commands() -> None:
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in cli_app.registered_commands
    }
    for service in ("api", "worker"):
        program, command = COMPOSE["services"][service]["command"]
        assert program == "oms" and command in commands


def test_compose_registers_every_search_attribute() -> None:
    script = COMPOSE["services"]["temporal-search-attributes"]["command"][0]
    registered = dict(re.findall(r"--name (\w+) --type (\w+)", script))
    expected = {
        key.name: {"KEYWORD": "Keyword", "INT": "Int"}[key.indexed_value_type.name]
        for key in ALL_KEYS
    }
    assert registered == expected


def test_database_is_postgresql_in_production() -> None:
    url = COMPOSE["x-tessera-env"]["DATABASE_URL"]
    assert url.startswith("postgresql://") and "tessera-db" in url
