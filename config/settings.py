"""Every setting of Tessera, read from environment variables (12-factor).

One frozen object, built once per process, so that modules never read os.environ themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def code_version() -> str:
    """The installed package's version (pyproject.toml): the worker's default build id."""
    try:
        return version("tessera")
    except PackageNotFoundError:
        return "dev"


@dataclass(frozen=True)
class Settings:
    temporal_address: str = field(
        default_factory=lambda: _env("TEMPORAL_ADDRESS", "127.0.0.1:7233")
    )
    temporal_namespace: str = field(default_factory=lambda: _env("TEMPORAL_NAMESPACE", "default"))
    task_queue: str = field(default_factory=lambda: _env("TESSERA_TASK_QUEUE", "tessera-orders"))
    database_url: str = field(
        default_factory=lambda: _env("DATABASE_URL", "sqlite:///./.data/tessera.db")
    )
    api_host: str = field(default_factory=lambda: _env("API_HOST", "127.0.0.1"))
    api_port: int = field(default_factory=lambda: int(_env("API_PORT", "8000")))
    # The externally visible base URL, used to build TMF `href`s.
    public_base_url: str = field(
        default_factory=lambda: _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    )
    # Where the CLI finds the API (`oms fallout ...`).
    api_url: str = field(default_factory=lambda: _env("TESSERA_API_URL", "http://127.0.0.1:8000"))
    # The bearer token `oms` sends to the API (orders, tasks, fallout commands); none if empty.
    api_token: str = field(default_factory=lambda: _env("TESSERA_TOKEN", ""))
    catalog_dir: str = field(default_factory=lambda: _env("CATALOG_DIR", "catalog"))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))
    log_format: str = field(default_factory=lambda: _env("LOG_FORMAT", "auto"))  # auto|json|console
    temporal_ui_url: str = field(
        default_factory=lambda: _env("TEMPORAL_UI_URL", "http://127.0.0.1:8233")
    )
    # Field-service simulator: a technician's next free slot, in seconds from now, when the
    # requested start has passed; unset means the next morning at 09:00 UTC.
    simulator_next_slot_seconds: int | None = field(
        default_factory=lambda: int(v) if (v := _env("SIMULATOR_NEXT_SLOT_SECONDS", "")) else None
    )
    # Order policy (workflows/policy.py), fixed per order when it starts.
    jeopardy_warning_share: float = field(
        default_factory=lambda: float(_env("JEOPARDY_WARNING_SHARE", "0.8"))
    )
    order_due_hours_by_priority: str = field(
        default_factory=lambda: _env(
            "ORDER_DUE_HOURS_BY_PRIORITY", '{"0": 24, "1": 72, "2": 168, "3": 336, "4": 720}'
        )
    )
    order_default_due_hours: float = field(
        default_factory=lambda: float(_env("ORDER_DEFAULT_DUE_HOURS", "336"))
    )
    offline_first_pause_seconds: float = field(
        default_factory=lambda: float(_env("OFFLINE_FIRST_PAUSE_SECONDS", "2"))
    )
    offline_max_pause_seconds: float = field(
        default_factory=lambda: float(_env("OFFLINE_MAX_PAUSE_SECONDS", "60"))
    )
    # How long one call to a southbound system may take before it is tried again (a killed
    # worker's call is retried after this).
    southbound_attempt_timeout_seconds: float = field(
        default_factory=lambda: float(_env("SOUTHBOUND_ATTEMPT_TIMEOUT_SECONDS", "30"))
    )
    # Worker tuning: chosen by measurement (bench/), see ARCHITECTURE.md.
    max_concurrent_activities: int = field(
        default_factory=lambda: int(_env("WORKER_MAX_CONCURRENT_ACTIVITIES", "32"))
    )
    max_concurrent_workflow_tasks: int = field(
        default_factory=lambda: int(_env("WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", "20"))
    )
    activity_threads: int = field(
        default_factory=lambda: int(_env("WORKER_ACTIVITY_THREADS", "32"))
    )
    # Added to the worker process's niceness at start. 0 on a host of its own; on a host shared
    # with the API and a PostgreSQL store, 10 keeps the API's latency while the worker is busy
    # (bench/api_load.py). Not with SQLite: the worker holds its one write lock, and a niced
    # holder makes the API wait longer.
    worker_niceness: int = field(default_factory=lambda: int(_env("WORKER_NICENESS", "0")))
    # Workflow runs kept in memory between tasks; bounds the worker's memory (bench/memory.py).
    max_cached_workflows: int = field(
        default_factory=lambda: int(_env("WORKER_MAX_CACHED_WORKFLOWS", "1000"))
    )
    # Order admission (api/admission.py), off unless ORDER_ADMISSION_MAX_BACKLOG is set: then
    # every ORDER_ADMISSION_POLL_SECONDS the API reads the task queue's backlog (workflow or
    # activity tasks waiting for a worker), and while it is at most that many, up to
    # ORDER_ADMISSION_STARTS_PER_ROUND orders start in the round (new POSTs and waiting orders
    # together); other accepted orders wait in the store. Off, every order starts at once, and the
    # loop starts only those whose start failed (Temporal unreachable, API crash).
    order_admission_max_backlog: int | None = field(
        default_factory=lambda: int(v) if (v := _env("ORDER_ADMISSION_MAX_BACKLOG", "")) else None
    )
    order_admission_poll_seconds: float = field(
        default_factory=lambda: float(_env("ORDER_ADMISSION_POLL_SECONDS", "1"))
    )
    order_admission_starts_per_round: int = field(
        default_factory=lambda: int(_env("ORDER_ADMISSION_STARTS_PER_ROUND", "20"))
    )
    # The size of one order. Its plan travels in one Temporal payload (2 MB at most by default;
    # the sample mix takes ~0.9 KB per task, 7.5 tasks per item) and its workflow history grows
    # ~8.5 KB per task (Temporal warns at 10 MB, stops at 50 MB). A POST with more items than
    # ORDER_MAX_ITEMS is refused (422); a plan of more than ORDER_MAX_TASKS tasks rejects the
    # order, or refuses the amendment, with the reason. Bigger deals go in several orders.
    order_max_items: int = field(default_factory=lambda: int(_env("ORDER_MAX_ITEMS", "200")))
    order_max_tasks: int = field(default_factory=lambda: int(_env("ORDER_MAX_TASKS", "1500")))
    # A draft order (state `draft`) may be submitted for this long after its creation; then it
    # is refused (409) and the admission loop marks it cancelled.
    order_draft_ttl_hours: float = field(
        default_factory=lambda: float(_env("ORDER_DRAFT_TTL_HOURS", "72"))
    )
    # Hostile input (api/request_limits.py). A request body past API_MAX_BODY_BYTES is refused
    # with 413 while it is read (an order at ORDER_MAX_ITEMS takes ~0.3 MB; Temporal's payload
    # limit is 2 MB); JSON nested deeper than API_MAX_JSON_DEPTH, or a characteristic value
    # larger than CHARACTERISTIC_MAX_BYTES (as JSON), is a 422. A plan whose activity result
    # would pass ORDER_MAX_PLAN_BYTES rejects the order with OrderTooLarge.
    api_max_body_bytes: int = field(
        default_factory=lambda: int(_env("API_MAX_BODY_BYTES", str(1024 * 1024)))
    )
    api_max_json_depth: int = field(default_factory=lambda: int(_env("API_MAX_JSON_DEPTH", "32")))
    api_max_header_chars: int = field(
        default_factory=lambda: int(_env("API_MAX_HEADER_CHARS", "4096"))
    )
    characteristic_max_bytes: int = field(
        default_factory=lambda: int(_env("CHARACTERISTIC_MAX_BYTES", "16384"))
    )
    order_max_plan_bytes: int = field(
        default_factory=lambda: int(_env("ORDER_MAX_PLAN_BYTES", "1500000"))
    )
    # Hub callbacks (api/callbacks.py): loopback, private, link-local and other internal
    # addresses, and the platform's own ports, are refused unless HUB_CALLBACK_ALLOW names them
    # (comma-separated `host` for any other port, or `host:port`). HUB_CALLBACK_ALLOW_PUBLIC=false
    # accepts only what the allow-list names (the tests: no traffic leaves the machine).
    hub_callback_allow: str = field(default_factory=lambda: _env("HUB_CALLBACK_ALLOW", ""))
    hub_callback_allow_public: bool = field(
        default_factory=lambda: _env("HUB_CALLBACK_ALLOW_PUBLIC", "true").lower() == "true"
    )
    # Event hub delivery (see ARCHITECTURE.md, "Event hub"): retried with exponential backoff
    # from HUB_RETRY_INITIAL_SECONDS up to HUB_RETRY_MAX_INTERVAL_SECONDS, for at most
    # HUB_DELIVERY_MAX_AGE_SECONDS after the event was read; then it goes to the dead letters.
    hub_retry_initial_seconds: float = field(
        default_factory=lambda: float(_env("HUB_RETRY_INITIAL_SECONDS", "1"))
    )
    hub_retry_backoff: float = field(default_factory=lambda: float(_env("HUB_RETRY_BACKOFF", "2")))
    hub_retry_max_interval_seconds: float = field(
        default_factory=lambda: float(_env("HUB_RETRY_MAX_INTERVAL_SECONDS", "300"))
    )
    hub_delivery_max_age_seconds: float = field(
        default_factory=lambda: float(_env("HUB_DELIVERY_MAX_AGE_SECONDS", "86400"))
    )
    # One POST to a listener; a slow listener fails the attempt, not the pipeline.
    hub_http_timeout_seconds: float = field(
        default_factory=lambda: float(_env("HUB_HTTP_TIMEOUT_SECONDS", "5"))
    )
    # How often the outbox reader looks for new events while it waits (the delivery latency).
    hub_poll_interval_seconds: float = field(
        default_factory=lambda: float(_env("HUB_POLL_INTERVAL_SECONDS", "0.2"))
    )
    # The longest one outbox read waits for an event before it returns empty; an idle delivery
    # workflow learns of nothing new (a changed cursor, its own history size) more often than this.
    hub_long_poll_seconds: float = field(
        default_factory=lambda: float(_env("HUB_LONG_POLL_SECONDS", "30"))
    )
    # The workspace (/workspace): its static files, and the OIDC provider it signs in with in
    # production (authorization code with PKCE). No issuer: the local sign-in page.
    workspace_dir: str = field(default_factory=lambda: _env("WORKSPACE_DIR", "workspace"))
    workspace_oidc_issuer: str = field(default_factory=lambda: _env("WORKSPACE_OIDC_ISSUER", ""))
    workspace_oidc_client_id: str = field(
        default_factory=lambda: _env("WORKSPACE_OIDC_CLIENT_ID", "tessera-staff")
    )
    # Courtesy notifications: which events notify which customers (YAML).
    notifications_config: str = field(
        default_factory=lambda: _env("NOTIFICATIONS_CONFIG", "config/notifications.yaml")
    )
    # Bearer tokens (api/identity.py). Every route but health, the OpenAPI document and the JWKS
    # needs `Authorization: Bearer <JWT>` signed by OIDC_ISSUER's keys (OIDC_JWKS_URL, or found
    # through the issuer's discovery document), for OIDC_AUDIENCE, with one of OIDC_ALGORITHMS
    # (asymmetric only). Roles are read at OIDC_ROLES_CLAIM (a dotted path; Keycloak's realm
    # roles by default), a customer's party at OIDC_PARTY_CLAIM.
    oidc_issuer: str = field(default_factory=lambda: _env("OIDC_ISSUER", ""))
    oidc_audience: str = field(default_factory=lambda: _env("OIDC_AUDIENCE", "tessera"))
    oidc_jwks_url: str = field(default_factory=lambda: _env("OIDC_JWKS_URL", ""))
    oidc_algorithms: str = field(default_factory=lambda: _env("OIDC_ALGORITHMS", "RS256,ES256"))
    oidc_roles_claim: str = field(
        default_factory=lambda: _env("OIDC_ROLES_CLAIM", "realm_access.roles")
    )
    oidc_party_claim: str = field(default_factory=lambda: _env("OIDC_PARTY_CLAIM", "party_id"))
    oidc_leeway_seconds: float = field(
        default_factory=lambda: float(_env("OIDC_LEEWAY_SECONDS", "30"))
    )
    # The embedded issuer of the local stack (api/local_issuer.py): off unless this names the
    # file of its signing key (`oms dev` sets .data/issuer-key.pem; created once, then shared by
    # every API process and `oms token`). Its issuer is OIDC_ISSUER if set, else LOCAL_ISSUER_ID.
    local_issuer_key_file: str = field(default_factory=lambda: _env("LOCAL_ISSUER_KEY_FILE", ""))
    local_issuer_id: str = field(default_factory=lambda: _env("LOCAL_ISSUER_ID", "tessera-local"))
    local_token_ttl_seconds: int = field(
        default_factory=lambda: int(_env("LOCAL_TOKEN_TTL_SECONDS", "3600"))
    )
    # Payload encryption (temporal_client/codec.py): a key ring `<id>:<base64 of 32 bytes>`,
    # comma-separated, the first encrypts and all decrypt. Production sets PAYLOAD_KEYS from its
    # secret store; otherwise the ring is read from PAYLOAD_KEYS_FILE (`oms dev` writes one).
    # No key at all stops the process: payloads are never written in clear by accident.
    payload_keys: str = field(default_factory=lambda: _env("PAYLOAD_KEYS", ""))
    payload_keys_file: str = field(
        default_factory=lambda: _env("PAYLOAD_KEYS_FILE", ".data/payload-keys")
    )
    # Worker Versioning (README, "Deploying"): the worker registers as version
    # <WORKER_DEPLOYMENT_NAME>.<WORKER_BUILD_ID>; orders stay pinned to the version they
    # started on. Off, the worker is unversioned (tests, scripts).
    worker_versioning: bool = field(
        default_factory=lambda: _env("WORKER_VERSIONING", "off").lower() in ("1", "on", "true")
    )
    worker_deployment_name: str = field(
        default_factory=lambda: _env("WORKER_DEPLOYMENT_NAME", "tessera")
    )
    worker_build_id: str = field(default_factory=lambda: _env("WORKER_BUILD_ID", code_version()))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
