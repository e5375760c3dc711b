"""docker-compose.yml cannot run here (no Docker), so check it against the code instead."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from api.codec_server import CODEC_PATH
from api.permissions import ROLES
from cli.db import app as db_app
from cli.main import app as cli_app
from config.settings import environment_names, get_settings
from workflows.search_attributes import ALL_KEYS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTING_NAMES = environment_names()


def test_every_variable_given_to_tessera_is_a_setting() -> None:
    for service in ("api", "worker", "migrate"):
        names = set(COMPOSE["services"][service]["environment"])
        assert names <= SETTING_NAMES, f"{service}: unknown {sorted(names - SETTING_NAMES)}"


def test_tessera_services_run_existing_cli_commands() -> None:
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in cli_app.registered_commands
    }
    for service in ("api", "worker"):
        program, command = COMPOSE["services"][service]["command"]
        assert program == "oms" and command in commands


def test_the_schema_is_migrated_once_before_apis_and_workers_start() -> None:
    services = COMPOSE["services"]
    assert services["migrate"]["command"] == ["oms", "db", "upgrade"]
    assert [c.name for c in db_app.registered_commands if c.name == "upgrade"] or any(
        c.callback and c.callback.__name__ == "upgrade" for c in db_app.registered_commands
    )
    for service in ("api", "worker"):
        assert services[service]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert COMPOSE["x-tessera-env"]["DATABASE_AUTO_MIGRATE"] == "false"


def test_every_file_compose_mounts_is_in_the_repository() -> None:
    mounts = [
        volume.split(":")[0]
        for service in COMPOSE["services"].values()
        for volume in service.get("volumes", [])
        if volume.startswith("./")
    ]
    assert mounts, "Prometheus and Grafana mount their configuration from deploy/"
    for mount in mounts:
        assert (ROOT / mount).exists(), mount


def test_prometheus_scrapes_the_ports_tessera_serves_metrics_on() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    ports = {job["job_name"]: job["dns_sd_configs"][0]["port"] for job in config["scrape_configs"]}
    services = COMPOSE["services"]
    assert ports == {
        "api": int(services["api"]["environment"]["API_PORT"]),
        "worker": int(services["worker"]["environment"]["WORKER_METRICS_PORT"]),
    }
    mounted = {v.split(":")[1] for v in services["prometheus"]["volumes"]}
    assert set(config["rule_files"]) <= mounted


def test_alert_rules_are_valid_for_prometheus() -> None:
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    checked = subprocess.run(
        [promtool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 3 rules found" in checked.stdout


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    return subprocess.run([promtool, *args], capture_output=True, text=True)


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """Grafana only shows an error on the panel: promtool parses each query as a rule would."""
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "tessera.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = [{"record": f"tessera:dashboard_query_{n}", "expr": e} for n, e in enumerate(exprs)]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))

    checked = _promtool("check", "rules", str(path))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in checked.stdout


def test_the_prometheus_configuration_is_valid_with_its_rules(tmp_path: Path) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    # The compose file mounts the rules at the absolute path the configuration names.
    mounts = dict(v.split(":")[1::-1] for v in COMPOSE["services"]["prometheus"]["volumes"])
    config["rule_files"] = [
        str(ROOT / mounts[name].removeprefix("./")) for name in config["rule_files"]
    ]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))

    checked = _promtool("check", "config", str(path))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 3 rules found" in checked.stdout


def _tessera_metric_names() -> set[str]:
    """Every sample name Tessera's processes can expose (counters with _total, histograms with
    _bucket/_sum/_count), from the registered metrics and the store collector."""
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    import observability.metrics  # noqa: F401 (defines the processes' own metrics)
    from observability.store_metrics import register_store_metrics

    register_store_metrics()
    families = text_string_to_metric_families(generate_latest().decode())
    suffixes = ("", "_total", "_bucket", "_sum", "_count")
    return {family.name + suffix for family in families for suffix in suffixes}


def test_alerts_and_dashboard_use_only_metrics_tessera_exposes() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "tessera.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {name for expr in exprs for name in re.findall(r"\btessera_[a-z_]+", expr)}
    assert used and used <= _tessera_metric_names(), sorted(used - _tessera_metric_names())
    datasource = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    uids = {d["uid"] for d in datasource["datasources"]}
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} <= uids


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
    # Confidential: the channels' client (client credentials) and the Temporal UI's sign-in.
    channels = [c for c in confidential if c.get("serviceAccountsEnabled")]
    assert channels and all(not c.get("standardFlowEnabled") for c in channels)
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
    [service] = [u for u in users if u.get("serviceAccountClientId") == channels[0]["clientId"]]
    assert service["realmRoles"] == ["channel"]
    assert all(set(u["realmRoles"]) <= set(ROLES) for u in users)
    # Customers carry their party in the claim the API reads.
    party_claim = get_settings().oidc_party_claim
    staff = public[0]
    assert any(m["config"].get("claim.name") == party_claim for m in staff["protocolMappers"])
    customers = [u for u in users if "customer" in u["realmRoles"]]
    assert customers and all(u["attributes"][party_claim] for u in customers)


def _default_of(value: str) -> str:
    """`${VAR:-default}` in compose: the default (the demo value the realm holds)."""
    found = re.fullmatch(r"\$\{\w+:-(.+)\}", value)
    return found.group(1) if found else value


def test_the_temporal_ui_signs_staff_in_against_the_realm() -> None:
    ui = COMPOSE["services"]["temporal-ui"]
    env = ui["environment"]
    api_env = COMPOSE["services"]["api"]["environment"]
    keycloak = COMPOSE["services"]["keycloak"]
    realm = _realm()
    assert env["TEMPORAL_AUTH_ENABLED"] == "true" and env["TEMPORAL_AUTH_TYPE"] == "oidc"
    assert "keycloak" in ui["depends_on"]
    # Discovery over the compose network; the issuer is the one the API trusts (the browser's).
    assert env["TEMPORAL_AUTH_PROVIDER_URL"] == f"http://keycloak:8080/realms/{realm['realm']}"
    assert env["TEMPORAL_AUTH_ISSUER_URL"] == api_env["OIDC_ISSUER"]
    assert api_env["OIDC_ISSUER"] == f"{keycloak['environment']['KC_HOSTNAME']}/realms/tessera"
    assert "openid" in env["TEMPORAL_AUTH_SCOPES"].split(",")
    # The realm's client for it: confidential, authorization code, the same secret, our callback.
    client = {c["clientId"]: c for c in realm["clients"]}[env["TEMPORAL_AUTH_CLIENT_ID"]]
    assert not client["publicClient"] and client["standardFlowEnabled"]
    assert _default_of(env["TEMPORAL_AUTH_CLIENT_SECRET"]) == client["secret"]
    ui_url = api_env["TEMPORAL_UI_URL"]
    assert env["TEMPORAL_AUTH_CALLBACK_URL"] == f"{ui_url}/auth/sso/callback"
    assert env["TEMPORAL_AUTH_CALLBACK_URL"] in client["redirectUris"]
    assert ui_url in client["webOrigins"]
    assert any(p.split(":")[0] == ui_url.rsplit(":", 1)[1] for p in ui["ports"])
    # The signed-in user's access token goes to the codec server, which checks it as any token
    # (audience included) and answers CORS for the UI's origin (TEMPORAL_UI_URL).
    assert env["TEMPORAL_CODEC_ENDPOINT"] == api_env["PUBLIC_BASE_URL"] + CODEC_PATH
    assert env["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"] == "true"
    audiences = [
        m["config"]["included.custom.audience"]
        for m in client["protocolMappers"]
        if m["protocolMapper"] == "oidc-audience-mapper"
    ]
    assert audiences == [api_env["OIDC_AUDIENCE"]]
