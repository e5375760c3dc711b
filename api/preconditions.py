"""Optimistic concurrency for PATCH: `ETag` is the order's version, `If-Match` must name it.

The version counts amendments (the only client change of an order); the workflow checks it
again when it takes the patch, so two clients patching the same version cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from api.errors import TmfError


def order_etag(document: Mapping[str, Any]) -> str:
    return f'"{int(document.get("version", 1))}"'


def if_match_version(header: str | None) -> int | None:
    """The version an `If-Match` names; None without one or for `*` (any version)."""
    if header is None or header.strip() == "*":
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isdigit() or len(tag) > 9:
        raise TmfError(412, "PreconditionFailed", "If-Match must name an ETag of this order")
    return int(tag)


def refuse_stale_version(document: Mapping[str, Any], expected: int | None) -> None:
    if expected is not None and expected != int(document.get("version", 1)):
        raise TmfError(
            412,
            "PreconditionFailed",
            f"the order is at version {document.get('version', 1)}, not {expected}",
            "GET the order again and patch its current version",
        )


def bounded_header(request: Request, name: str, max_chars: int) -> str | None:
    value = request.headers.get(name)
    if value is not None and len(value) > max_chars:
        raise TmfError(400, "InvalidRequest", f"Header '{name}' is longer than {max_chars}")
    return value
