"""THE permission table: what each role may do. Each route names the one permission it needs
(`requires(Permission.X)` in its signature, api/identity.py); a role is a set of permissions.

A caller's rights are the union of its roles'. `party:any` lifts customer isolation: a caller
without it sees and acts on its own party's orders, cancellations and products only.
ARCHITECTURE.md holds the same table for people; tests/identity checks every route against it.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ORDER_CREATE = "order:create"
    ORDER_READ = "order:read"  # orders, cancellations, plan, timeline, history, return
    ORDER_AMEND = "order:amend"
    ORDER_CANCEL = "order:cancel"
    ORDER_PREVIEW = "order:preview"  # plan and price an order without starting it
    ORDER_PROVIDE_INFORMATION = "order:provide-information"
    ORDER_PONR_OVERRIDE = "order:ponr-override"
    ORDER_APPROVE = "order:approve"  # approve or reject an order waiting for approval
    ORDER_RELEASE = "order:release"  # release an order held as a suspected duplicate
    APPROVAL_READ = "approval:read"  # the orders waiting for a review (/ops/v1/approvals)
    ORDER_MONITOR = "order:monitor"  # jeopardy: orders at risk across customers
    ANY_PARTY = "party:any"  # acts for every customer, not only the token's party
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    CATALOG_READ = "catalog:read"
    CATALOG_MANAGE = "catalog:manage"
    TASK_READ = "task:read"
    TASK_WORK = "task:work"  # claim for oneself, complete one's own or an unclaimed task
    TASK_ASSIGN = "task:assign"  # claim for someone else, complete anyone's
    FALLOUT_READ = "fallout:read"
    FALLOUT_WORK = "fallout:work"  # cases assigned to oneself or to nobody
    FALLOUT_MANAGE = "fallout:manage"  # assign to others, act on anyone's case, bulk retry
    SIMULATOR_READ = "simulator:read"
    SIMULATOR_MANAGE = "simulator:manage"
    HUB_MANAGE = "hub:manage"  # event subscriptions (TMF hub)
    DELIVERY_MANAGE = "delivery:manage"  # event deliveries, dead letters, replays
    ADMISSION_READ = "admission:read"
    PAYLOAD_DECODE = "payload:decode"  # the codec server: Temporal history in clear, for staff


P = Permission

# The customer's own orders: place, track, amend, cancel; read its inventory and the catalog.
_CUSTOMER = {
    P.ORDER_CREATE,
    P.ORDER_READ,
    P.ORDER_AMEND,
    P.ORDER_CANCEL,
    P.ORDER_PREVIEW,
    P.INVENTORY_READ,
    P.CATALOG_READ,
}
# Staff who look at any customer's orders (and may read their workflows' decoded history).
_READER = {P.ANY_PARTY, P.ORDER_READ, P.INVENTORY_READ, P.CATALOG_READ, P.PAYLOAD_DECODE}
_FULFILLMENT = {
    *_READER,
    P.TASK_READ,
    P.TASK_WORK,
    P.ORDER_PROVIDE_INFORMATION,
    P.ORDER_MONITOR,
}
_FALLOUT = {*_READER, P.FALLOUT_READ, P.FALLOUT_WORK, P.SIMULATOR_READ}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "customer": frozenset(_CUSTOMER),
    "order-agent": frozenset(
        {*_CUSTOMER, P.ANY_PARTY, P.ORDER_MONITOR, P.ORDER_RELEASE, P.APPROVAL_READ}
    ),
    "channel": frozenset(
        {P.ANY_PARTY, P.ORDER_CREATE, P.ORDER_READ, P.ORDER_PREVIEW, P.CATALOG_READ}
        | {P.INVENTORY_READ, P.HUB_MANAGE}
    ),
    "fulfillment-agent": frozenset(_FULFILLMENT),
    "fulfillment-manager": frozenset(
        {*_FULFILLMENT, P.TASK_ASSIGN, P.ORDER_PONR_OVERRIDE, P.SIMULATOR_READ}
    ),
    "order-approver": frozenset({*_READER, P.ORDER_APPROVE, P.APPROVAL_READ}),
    "fallout-agent": frozenset(_FALLOUT),
    "fallout-manager": frozenset({*_FALLOUT, P.FALLOUT_MANAGE, P.ORDER_MONITOR}),
    "order-manager": frozenset(
        {*_CUSTOMER, *_READER}
        | {P.ORDER_PROVIDE_INFORMATION, P.ORDER_PONR_OVERRIDE, P.ORDER_APPROVE, P.ORDER_MONITOR}
        | {P.ORDER_RELEASE, P.APPROVAL_READ}
        | {P.TASK_READ, P.FALLOUT_READ, P.SIMULATOR_READ, P.ADMISSION_READ}
    ),
    "process-admin": frozenset(
        {*_READER, P.CATALOG_MANAGE, P.SIMULATOR_READ, P.SIMULATOR_MANAGE}
        | {P.HUB_MANAGE, P.DELIVERY_MANAGE, P.ADMISSION_READ, P.INVENTORY_WRITE}
    ),
}
ROLES = tuple(ROLE_PERMISSIONS)

# Paths anyone may call, without a token: liveness, the API's description, the issuer's keys,
# and the embedded issuer's sign-in (only mounted when that issuer is on).
PUBLIC_PATHS = frozenset(
    {
        "/health",
        # Probes and the Prometheus scrape: no personal data, no order ids (label values are
        # bounded); an orchestrator and Prometheus call them without a token.
        "/health/live",
        "/health/ready",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/.well-known/jwks.json",
        "/.well-known/openid-configuration",
        "/auth/local/token",
        # The workspace's sign-in settings: read before anyone has signed in.
        "/ops/v1/workspace/config",
    }
)
# Static files (HTML, CSS, scripts: no data): the workspace's pages, whose API calls carry the
# token, and the /docs page's Swagger UI and ReDoc assets (api/docs.py).
PUBLIC_PREFIXES = ("/workspace/", "/docs-assets/")


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path == "/workspace" or path.startswith(PUBLIC_PREFIXES)


def permissions_of(roles: frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def role_granting(roles: frozenset[str], permission: Permission) -> str | None:
    """The caller's role that grants `permission` (the table's order), recorded with its acts."""
    return next((r for r in ROLES if r in roles and permission in ROLE_PERMISSIONS[r]), None)
