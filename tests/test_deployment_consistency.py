"""docker-compose.yml cannot run here (no Docker), so check it against the code instead."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from api.permissions import ROLES
from cli.main import app as cli_app
from config.settings import Settings
from workflows.search_attributes import ALL_KEYS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
SETTING_NAMES = set(re.findall(r'_env\("([A-Z_]+)"', SETTINGS_SOURCE))


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


REALM_PATH = "deploy/keycloak/tessera-realm.json"


def _realm() -> dict[str, Any]:
    realm: dict[str, Any] = json.loads((ROOT / REALM_PATH).read_text())
    return realm


def test_keycloak_imports_the_realm_the_api_trusts() -> None:
    keycloak = COMPOSE["services"]["keycloak"]
    assert "--import-realm" in keycloak["command"]
    mounted = [v.split(":")[0] for v in keycloak["volumes"]]
    assert f"./{REALM_PATH}" in mounted
    env = COMPOSE["services"]["api"]["environment"]
    realm = _realm()["realm"]
    hostname = keycloak["environment"]["KC_HOSTNAME"]
    assert env["OIDC_ISSUER"] == f"{hostname}/realms/{realm}"
    assert env["OIDC_JWKS_URL"].startswith("http://keycloak:8080/realms/" + realm + "/")
    # Production never runs the embedded issuer.
    assert "LOCAL_ISSUER_KEY_FILE" not in env


def test_the_realm_holds_the_roles_and_clients_of_the_permission_table() -> None:
    realm = _realm()
    assert {r["name"] for r in realm["roles"]["realm"]} == set(ROLES)
    clients = {c["clientId"]: c for c in realm["clients"]}
    confidential = [c for c in clients.values() if not c["publicClient"]]
    public = [c for c in clients.values() if c["publicClient"]]
    assert confidential and all(c["serviceAccountsEnabled"] for c in confidential)
    assert public and all(c["standardFlowEnabled"] for c in public)
    audience = COMPOSE["services"]["api"]["environment"]["OIDC_AUDIENCE"]
    for client in clients.values():
        audiences = [
            m["config"]["included.custom.audience"]
            for m in client["protocolMappers"]
            if m["protocolMapper"] == "oidc-audience-mapper"
        ]
        assert audiences == [audience], client["clientId"]
    # The channel's service account acts as `channel`; every user has a role of the table.
    users = realm["users"]
    [service] = [u for u in users if u.get("serviceAccountClientId") == confidential[0]["clientId"]]
    assert service["realmRoles"] == ["channel"]
    assert all(set(u["realmRoles"]) <= set(ROLES) for u in users)
    # Customers carry their party in the claim the API reads.
    party_claim = Settings().oidc_party_claim
    staff = public[0]
    assert any(m["config"].get("claim.name") == party_claim for m in staff["protocolMappers"])
    customers = [u for u in users if "customer" in u["realmRoles"]]
    assert customers and all(u["attributes"][party_claim] for u in customers)
