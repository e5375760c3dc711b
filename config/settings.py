"""Every setting of Tessera, read from environment variables (12-factor).

One frozen, typed object (pydantic-settings), built and validated once per process at start-up
(`load_settings`), so a bad value stops the process with a clear message before it serves
anything, and modules never read os.environ themselves. Each field names its environment
variable with `env("NAME", default)`.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError


def env(name: str, default: Any, **constraints: Any) -> Any:
    """A field read from the environment variable `name` (also settable by field name)."""
    return Field(default, validation_alias=name, **constraints)


def code_version() -> str:
    """The installed package's version (pyproject.toml): the worker's default build id."""
    try:
        return version("tessera")
    except PackageNotFoundError:
        return "dev"


Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[float, Field(gt=0)]


class LogFormat(StrEnum):
    auto = "auto"  # console on a terminal, JSON lines otherwise
    json = "json"
    console = "console"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        populate_by_name=True,
        # An empty variable means "not set" (SIMULATOR_NEXT_SLOT_SECONDS= keeps the default).
        env_ignore_empty=True,
        extra="ignore",
    )

    temporal_address: str = env("TEMPORAL_ADDRESS", "127.0.0.1:7233", min_length=1)
    temporal_namespace: str = env("TEMPORAL_NAMESPACE", "default", min_length=1)
    task_queue: str = env("TESSERA_TASK_QUEUE", "tessera-orders", min_length=1)
    # How long the API waits for a workflow to answer a query (an order's plan, its timeline):
    # with no worker polling, Temporal holds a query until its own deadline, and a list of
    # service orders queries each open order of its page.
    workflow_query_timeout_seconds: Seconds = env("WORKFLOW_QUERY_TIMEOUT_SECONDS", 5)
    database_url: str = env("DATABASE_URL", "sqlite:///./.data/tessera.db", min_length=1)
    # Whether the API and the worker upgrade the schema at start (store/migrate.py). Off in
    # production, where `oms db upgrade` is an explicit release step.
    database_auto_migrate: bool = env("DATABASE_AUTO_MIGRATE", True)
    api_host: str = env("API_HOST", "127.0.0.1")
    api_port: Port = env("API_PORT", 8000)
    # The externally visible base URL, used to build TMF `href`s.
    public_base_url: str = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    # Where the CLI finds the API (`oms fallout ...`).
    api_url: str = env("TESSERA_API_URL", "http://127.0.0.1:8000")
    catalog_dir: str = env("CATALOG_DIR", "catalog")
    log_level: LogLevel = env("LOG_LEVEL", LogLevel.INFO)
    log_format: LogFormat = env("LOG_FORMAT", LogFormat.auto)
    temporal_ui_url: str = env("TEMPORAL_UI_URL", "http://127.0.0.1:8233")
    # Field-service simulator: a technician's next free slot, in seconds from now, when the
    # requested start has passed; unset means the next morning at 09:00 UTC.
    simulator_next_slot_seconds: int | None = env("SIMULATOR_NEXT_SLOT_SECONDS", None, ge=0)
    # Order policy (workflows/policy.py), fixed per order when it starts.
    jeopardy_warning_share: float = env("JEOPARDY_WARNING_SHARE", 0.8, gt=0, le=1)
    # JSON object: TMF priority ("0" most urgent .. "4") -> hours from the order date to its due
    # date. Checked here; `due_hours_by_priority` gives it parsed.
    order_due_hours_by_priority: str = env(
        "ORDER_DUE_HOURS_BY_PRIORITY", '{"0": 24, "1": 72, "2": 168, "3": 336, "4": 720}'
    )
    order_default_due_hours: float = env("ORDER_DEFAULT_DUE_HOURS", 336, gt=0)
    # An order waiting for an approver (or a duplicate's review) is in jeopardy `warning` past
    # JEOPARDY_WARNING_SHARE of this, `critical` past all of it.
    order_approval_jeopardy_hours: float = env("ORDER_APPROVAL_JEOPARDY_HOURS", 24, gt=0)
    offline_first_pause_seconds: Seconds = env("OFFLINE_FIRST_PAUSE_SECONDS", 2)
    offline_max_pause_seconds: Seconds = env("OFFLINE_MAX_PAUSE_SECONDS", 60)
    # How long one call to a southbound system may take before it is tried again (a killed
    # worker's call is retried after this).
    southbound_attempt_timeout_seconds: Seconds = env("SOUTHBOUND_ATTEMPT_TIMEOUT_SECONDS", 30)
    # An order whose workflow history reaches this many events continues as new (its replay
    # stays within the workflow task timeout; workflows/order/continuation.py).
    order_continue_as_new_events: int = env("ORDER_CONTINUE_AS_NEW_EVENTS", 10_000, ge=100)
    # Worker tuning: chosen by measurement (bench/), see bench/README.md ("Design diary").
    max_concurrent_activities: int = env("WORKER_MAX_CONCURRENT_ACTIVITIES", 32, ge=1)
    max_concurrent_workflow_tasks: int = env("WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", 20, ge=2)
    activity_threads: int = env("WORKER_ACTIVITY_THREADS", 32, ge=1)
    # Added to the worker process's niceness at start. 0 on a host of its own; on a host shared
    # with the API and a PostgreSQL store, 10 keeps the API's latency while the worker is busy
    # (bench/api_load.py). Not with SQLite: the worker holds its one write lock, and a niced
    # holder makes the API wait longer.
    worker_niceness: int = env("WORKER_NICENESS", 0, ge=0, le=19)
    # Workflow runs kept in memory between tasks; bounds the worker's memory (bench/memory.py:
    # ~140 KB a run). It must hold the runs that are working at once (~7 per order in flight),
    # or each of their tasks replays a history first: 500 held 10,000 waiting orders at a peak
    # of 296 MB with 0.04% of tasks replayed (orders admitted at a backlog of 50); 300 replayed
    # 89% and took 2.3x the CPU (issue 24, bench/README.md).
    max_cached_workflows: int = env("WORKER_MAX_CACHED_WORKFLOWS", 500, ge=0)
    # Order admission (api/admission.py), off unless ORDER_ADMISSION_MAX_BACKLOG is set: then
    # every ORDER_ADMISSION_POLL_SECONDS the API reads the task queue's backlog (workflow or
    # activity tasks waiting for a worker), and while it is at most that many, up to
    # ORDER_ADMISSION_STARTS_PER_ROUND orders start in the round (new POSTs and waiting orders
    # together); other accepted orders wait in the store. Off, every order starts at once, and the
    # loop starts only those whose start failed (Temporal unreachable, API crash).
    # (-1 holds every new order in the queue: tests and a paused intake use it.)
    order_admission_max_backlog: int | None = env("ORDER_ADMISSION_MAX_BACKLOG", None, ge=-1)
    order_admission_poll_seconds: Seconds = env("ORDER_ADMISSION_POLL_SECONDS", 1)
    order_admission_starts_per_round: int = env("ORDER_ADMISSION_STARTS_PER_ROUND", 20, ge=1)
    # The size of one order. Its plan travels in one Temporal payload (2 MB at most by default;
    # the sample mix takes ~0.9 KB per task, 7.5 tasks per item) and its workflow history grows
    # ~8.5 KB per task (Temporal warns at 10 MB, stops at 50 MB). A POST with more items than
    # ORDER_MAX_ITEMS is refused (422); a plan of more than ORDER_MAX_TASKS tasks rejects the
    # order, or refuses the amendment, with the reason. Bigger deals go in several orders.
    order_max_items: int = env("ORDER_MAX_ITEMS", 200, ge=1)
    order_max_tasks: int = env("ORDER_MAX_TASKS", 1500, ge=1)
    # A draft order (state `draft`) may be submitted for this long after its creation; then it
    # is refused (409) and the admission loop marks it cancelled.
    order_draft_ttl_hours: float = env("ORDER_DRAFT_TTL_HOURS", 72, gt=0)
    # Event hub delivery (see docs/event-hub.md): retried with exponential backoff
    # from HUB_RETRY_INITIAL_SECONDS up to HUB_RETRY_MAX_INTERVAL_SECONDS, for at most
    # HUB_DELIVERY_MAX_AGE_SECONDS after the event was read; then it goes to the dead letters.
    hub_retry_initial_seconds: Seconds = env("HUB_RETRY_INITIAL_SECONDS", 1)
    hub_retry_backoff: float = env("HUB_RETRY_BACKOFF", 2, ge=1)
    hub_retry_max_interval_seconds: Seconds = env("HUB_RETRY_MAX_INTERVAL_SECONDS", 300)
    hub_delivery_max_age_seconds: Seconds = env("HUB_DELIVERY_MAX_AGE_SECONDS", 86400)
    # One POST to a listener; a slow listener fails the attempt, not the pipeline.
    hub_http_timeout_seconds: Seconds = env("HUB_HTTP_TIMEOUT_SECONDS", 5)
    # How often the outbox reader looks for new events while it waits (the delivery latency).
    hub_poll_interval_seconds: Seconds = env("HUB_POLL_INTERVAL_SECONDS", 0.2)
    # The longest one outbox read waits for an event before it returns empty; an idle delivery
    # workflow learns of nothing new (a changed cursor, its own history size) more often than this.
    hub_long_poll_seconds: Seconds = env("HUB_LONG_POLL_SECONDS", 30)
    # Courtesy notifications: which events notify which customers (YAML).
    notifications_config: str = env("NOTIFICATIONS_CONFIG", "config/notifications.yaml")

    # Observability (observability/): the worker serves /metrics and /health/* on
    # WORKER_METRICS_PORT (0: off) and runs the Temporal SDK's Prometheus exporter on loopback at
    # WORKER_SDK_METRICS_PORT, which its /metrics includes; the API serves them on API_PORT.
    worker_metrics_host: str = env("WORKER_METRICS_HOST", "127.0.0.1")
    worker_metrics_port: int = env("WORKER_METRICS_PORT", 9464, ge=0, le=65535)
    worker_sdk_metrics_port: Port = env("WORKER_SDK_METRICS_PORT", 9465)
    # OpenTelemetry traces (observability/tracing.py), exported by OTLP/HTTP to this endpoint
    # (e.g. http://otel-collector:4318); unset, tracing is off.
    otel_exporter_otlp_endpoint: str | None = env("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    # The channel names counted as themselves in metric labels (comma separated); any other
    # channel counts as "other", so a client cannot create unbounded label values.
    metrics_channels: Annotated[frozenset[str], NoDecode] = env(
        "METRICS_CHANNELS", frozenset({"web", "retail", "call-center", "partner", "b2b-portal"})
    )

    # The bearer token `oms` sends to the API (orders, tasks, fallout commands); none if empty.
    api_token: str = env("TESSERA_TOKEN", "")
    # Hostile input (api/request_limits.py). A request body past API_MAX_BODY_BYTES is refused
    # with 413 while it is read (an order at ORDER_MAX_ITEMS takes ~0.3 MB; Temporal's payload
    # limit is 2 MB); JSON nested deeper than API_MAX_JSON_DEPTH, or a characteristic value
    # larger than CHARACTERISTIC_MAX_BYTES (as JSON), is a 422. A plan whose activity result
    # would pass ORDER_MAX_PLAN_BYTES (as the payload codec seals it: compressed) rejects the
    # order with OrderTooLarge.
    api_max_body_bytes: int = env("API_MAX_BODY_BYTES", 1024 * 1024, ge=1024)
    api_max_json_depth: int = env("API_MAX_JSON_DEPTH", 32, ge=4)
    api_max_header_chars: int = env("API_MAX_HEADER_CHARS", 4096, ge=256)
    characteristic_max_bytes: int = env("CHARACTERISTIC_MAX_BYTES", 16384, ge=64)
    order_max_plan_bytes: int = env("ORDER_MAX_PLAN_BYTES", 1_500_000, ge=1024)
    # Hub callbacks (api/callbacks.py): loopback, private, link-local and other internal
    # addresses, and the platform's own ports, are refused unless HUB_CALLBACK_ALLOW names them
    # (comma-separated `host` for any other port, or `host:port`). HUB_CALLBACK_ALLOW_PUBLIC=false
    # accepts only what the allow-list names (the tests: no traffic leaves the machine).
    hub_callback_allow: str = env("HUB_CALLBACK_ALLOW", "")
    hub_callback_allow_public: bool = env("HUB_CALLBACK_ALLOW_PUBLIC", True)
    # The workspace (/workspace): its static files, and the OIDC provider it signs in with in
    # production (authorization code with PKCE). No issuer: the local sign-in page.
    workspace_dir: str = env("WORKSPACE_DIR", "workspace")
    workspace_oidc_issuer: str = env("WORKSPACE_OIDC_ISSUER", "")
    workspace_oidc_client_id: str = env("WORKSPACE_OIDC_CLIENT_ID", "tessera-staff")
    # Bearer tokens (api/identity.py). Every route but health, the OpenAPI document and the JWKS
    # needs `Authorization: Bearer <JWT>` signed by OIDC_ISSUER's keys (OIDC_JWKS_URL, or found
    # through the issuer's discovery document), for OIDC_AUDIENCE, with one of OIDC_ALGORITHMS
    # (asymmetric only). Roles are read at OIDC_ROLES_CLAIM (a dotted path; Keycloak's realm
    # roles by default), a customer's party at OIDC_PARTY_CLAIM.
    oidc_issuer: str = env("OIDC_ISSUER", "")
    oidc_audience: str = env("OIDC_AUDIENCE", "tessera")
    oidc_jwks_url: str = env("OIDC_JWKS_URL", "")
    oidc_algorithms: str = env("OIDC_ALGORITHMS", "RS256,ES256")
    oidc_roles_claim: str = env("OIDC_ROLES_CLAIM", "realm_access.roles")
    oidc_party_claim: str = env("OIDC_PARTY_CLAIM", "party_id")
    oidc_leeway_seconds: float = env("OIDC_LEEWAY_SECONDS", 30, ge=0)
    # The embedded issuer of the local stack (api/local_issuer.py): off unless this names the
    # file of its signing key (`oms dev` sets .data/issuer-key.pem; created once, then shared by
    # every API process and `oms token`). Its issuer is OIDC_ISSUER if set, else LOCAL_ISSUER_ID.
    local_issuer_key_file: str = env("LOCAL_ISSUER_KEY_FILE", "")
    local_issuer_id: str = env("LOCAL_ISSUER_ID", "tessera-local")
    local_token_ttl_seconds: int = env("LOCAL_TOKEN_TTL_SECONDS", 3600, ge=1)
    # Payload encryption (temporal_client/codec.py): a key ring `<id>:<base64 of 32 bytes>`,
    # comma-separated, the first encrypts and all decrypt. Production sets PAYLOAD_KEYS from its
    # secret store; otherwise the ring is read from PAYLOAD_KEYS_FILE (`oms dev` writes one).
    # No key at all stops the process: payloads are never written in clear by accident.
    payload_keys: str = env("PAYLOAD_KEYS", "")
    payload_keys_file: str = env("PAYLOAD_KEYS_FILE", ".data/payload-keys")
    # Payloads over 1 KB are zlib-compressed before they are sealed (a 1,000-item plan: 8.8 MB
    # to 0.3 MB). Workers of release 0.3 and older cannot open such a payload: an upgrade with
    # orders still running on such a build sets this false until that build has drained.
    payload_compression: bool = env("PAYLOAD_COMPRESSION", True)
    # Worker Versioning (README, "Deploying"): the worker registers as version
    # <WORKER_DEPLOYMENT_NAME>.<WORKER_BUILD_ID>; orders stay pinned to the version they
    # started on. Off, the worker is unversioned (tests, scripts).
    worker_versioning: bool = env("WORKER_VERSIONING", False)
    worker_deployment_name: str = env("WORKER_DEPLOYMENT_NAME", "tessera", min_length=1)
    worker_build_id: str = Field(
        default_factory=lambda: code_version(), validation_alias="WORKER_BUILD_ID", min_length=1
    )

    @field_validator("metrics_channels", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("order_due_hours_by_priority")
    @classmethod
    def _due_hours_are_hours_by_priority(cls, value: str) -> str:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON ({error.msg}): {value!r}") from None
        if not isinstance(parsed, dict) or not parsed:
            raise ValueError('a JSON object of priority -> hours, e.g. {"0": 24, "4": 720}')
        for priority, hours in parsed.items():
            if not priority.isdigit():
                raise ValueError(f"priority {priority!r} is not a TMF priority (0, 1, 2, ...)")
            if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
                raise ValueError(f"hours for priority {priority} must be a number > 0: {hours!r}")
        return value

    @property
    def due_hours_by_priority(self) -> dict[str, float]:
        return {
            key: float(hours) for key, hours in json.loads(self.order_due_hours_by_priority).items()
        }


def environment_names() -> set[str]:
    """The environment variables Tessera reads (for deployment checks)."""
    return {str(field.validation_alias) for field in Settings.model_fields.values()}


class SettingsError(ValueError):
    """Bad settings: the process stops at start-up with this message (exit status 2)."""


def explain(error: ValidationError) -> str:
    aliases = {name: str(field.validation_alias) for name, field in Settings.model_fields.items()}
    lines = ["invalid settings (environment variables):"]
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        name = aliases.get(field, field)
        given = problem.get("input")
        lines.append(f"  {name}={given!r}: {problem['msg']}")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (a FastAPI dependency too: `Depends(get_settings)`)."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(explain(error)) from None
    except SourceError as error:  # a value the environment source could not even decode
        raise SettingsError(f"invalid settings (environment variables): {error}") from None


def load_settings() -> Settings:
    """Read and check every setting at process start; on a bad one print why and exit 2."""
    try:
        return get_settings()
    except SettingsError as error:
        print(f"tessera: {error}", file=sys.stderr)
        raise SystemExit(2) from None
