"""Which hub callbacks the platform may call: never its own insides, unless told so.

A subscription's callback is a URL the platform POSTs to from inside its network. Without a
check anyone could point it at loopback, a private range, link-local (cloud metadata at
169.254.169.254) or the platform's own ports (API, Temporal, the database) and have the
platform call them. Refused, unless HUB_CALLBACK_ALLOW names the host (any port but the
platform's) or the exact `host:port`. Checked when the subscription is registered and again
before every delivery (a name may resolve elsewhere later); redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from config.settings import Settings

# Temporal's frontend and UI by default, besides the ports the settings name.
DEFAULT_PLATFORM_PORTS = frozenset({7233, 8233})


@dataclass(frozen=True)
class Target:
    host: str
    port: int


def _port_of(url: str, default: int | None) -> int | None:
    try:
        return urlsplit(url if "//" in url else f"//{url}").port or default
    except ValueError:
        return default


def platform_ports(settings: Settings) -> frozenset[int]:
    ports = {settings.api_port, *DEFAULT_PLATFORM_PORTS}
    for url, default in (
        (settings.temporal_address, 7233),
        (settings.temporal_ui_url, None),
        (settings.public_base_url, None),
        (settings.database_url, None),
    ):
        if (port := _port_of(url, default)) is not None:
            ports.add(port)
    return frozenset(ports)


def target_of(callback: str) -> Target | None:
    """Host (lower case, no brackets) and port of an http(s) URL; None if it is not one."""
    try:
        parts = urlsplit(callback)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return Target(parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80))


def allow_list(raw: str) -> tuple[frozenset[str], frozenset[Target]]:
    """HUB_CALLBACK_ALLOW: hosts allowed on any non-platform port, and exact host:port pairs."""
    hosts: set[str] = set()
    pairs: set[Target] = set()
    for entry in (e.strip().lower() for e in raw.split(",")):
        if not entry:
            continue
        target = target_of(f"http://{entry}")
        if target is not None and _port_of(entry, None) is not None:
            pairs.add(target)
        else:
            hosts.add(entry.strip("[]"))
    return frozenset(hosts), frozenset(pairs)


def is_internal(address: str) -> bool:
    """Loopback, private, link-local, shared, reserved, multicast, unspecified: not global."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def callback_refusal(callback: str, addresses: list[str], settings: Settings) -> str | None:
    """Why the platform must not call `callback`, whose host resolves to `addresses`; None if it
    may. Pure: resolution is the caller's (`resolve`)."""
    target = target_of(callback)
    if target is None:
        return f"callback '{callback[:200]}' is not an http(s) URL"
    hosts, pairs = allow_list(settings.hub_callback_allow)
    if target in pairs:
        return None
    if target.port in platform_ports(settings):
        return f"port {target.port} is one of the platform's own (HUB_CALLBACK_ALLOW may name it)"
    if target.host in hosts:
        return None
    if not settings.hub_callback_allow_public:
        return f"host '{target.host}' is not in HUB_CALLBACK_ALLOW"
    if not addresses:
        return f"host '{target.host}' does not resolve"
    internal = [a for a in addresses if is_internal(a)]
    if internal:
        return (
            f"host '{target.host}' is an internal address ({internal[0]}); "
            "HUB_CALLBACK_ALLOW may name it"
        )
    return None


def resolve(callback: str, settings: Settings) -> list[str]:
    """The addresses a callback's host stands for; none for a name that does not resolve. No
    lookup when the allow-list decides alone (the tests: nothing leaves the machine)."""
    target = target_of(callback)
    if target is None or not settings.hub_callback_allow_public:
        return []
    try:
        return [str(ipaddress.ip_address(target.host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def refusal_of(callback: str, settings: Settings) -> str | None:
    """Resolve, then check (blocking: call it from a thread)."""
    return callback_refusal(callback, resolve(callback, settings), settings)
