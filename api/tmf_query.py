"""TMF list conventions: `fields=`, attribute filters, `offset`/`limit`, count headers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.errors import TmfError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Parameters that are not attribute filters.
CONTROL_PARAMS = frozenset({"fields", "offset", "limit", "sort"})


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def parse_page(params: Mapping[str, str]) -> Page:
    def _int(name: str, default: int, low: int, high: int) -> int:
        raw = params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise TmfError(
                400, "InvalidQuery", f"'{name}' must be an integer, got '{raw}'"
            ) from None
        if not low <= value <= high:
            raise TmfError(400, "InvalidQuery", f"'{name}' must be between {low} and {high}")
        return value

    return Page(
        offset=_int("offset", 0, 0, 10**9), limit=_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    )


def parse_fields(params: Mapping[str, str]) -> set[str] | None:
    raw = params.get("fields")
    if not raw:
        return None
    return {f.strip() for f in raw.split(",") if f.strip()}


def select_fields(document: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    """First-level attribute selection; `id` and `href` always stay, so a client can follow up."""
    if fields is None:
        return document
    keep = fields | {"id", "href"}
    return {k: v for k, v in document.items() if k in keep}


def parse_datetime(name: str, raw: str) -> datetime:
    # An unencoded '+' offset in a query string arrives as a space.
    text = raw.strip().replace(" ", "+")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
        # 0001-01-01T00:00:00+14:00 parses, but is before the first representable UTC instant.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise TmfError(
            400, "InvalidQuery", f"'{name}' must be an ISO 8601 date-time, got '{raw[:60]}'"
        ) from None


def parse_number(name: str, raw: str, low: float, high: float) -> float:
    """A finite number within [low, high]: `nan`, `inf` and 1e400 are 400s, not 500s."""
    try:
        value = float(raw)
    except ValueError:
        raise TmfError(400, "InvalidQuery", f"'{name}' must be a number") from None
    if not low <= value <= high:  # also false for NaN
        raise TmfError(400, "InvalidQuery", f"'{name}' must be between {low:g} and {high:g}")
    return value


def reject_unknown_filters(params: Iterable[str], supported: Iterable[str]) -> None:
    allowed = set(supported) | CONTROL_PARAMS
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise TmfError(
            400,
            "UnsupportedFilter",
            f"Unsupported query parameter(s): {', '.join(unknown)}",
            f"Supported filters: {', '.join(sorted(set(supported)))}",
        )


def count_headers(total: int, returned: int) -> dict[str, str]:
    return {"X-Total-Count": str(total), "X-Result-Count": str(returned)}
