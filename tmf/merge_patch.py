"""JSON merge patch (RFC 7386), for PATCH of TMF resources. Pure."""

from __future__ import annotations

from typing import Any

# Set by the server: a PATCH naming them is refused.
NON_PATCHABLE_ORDER_FIELDS = frozenset(
    {"id", "href", "state", "orderDate", "completionDate", "cancellationDate", "version", "review"}
)


def merge_patch(target: Any, patch: Any) -> Any:
    """Objects merge key by key, `null` removes, anything else (arrays too) replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
