"""Custom search attributes, so that fulfillment staff can filter orders in the Temporal UI.

The one list the dev server, the tests and the workflows all use.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

ORDER_STATE = SearchAttributeKey.for_keyword("OrderState")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
ORDER_ID = SearchAttributeKey.for_keyword("OrderId")
DOMAIN = SearchAttributeKey.for_keyword("Domain")
JEOPARDY = SearchAttributeKey.for_keyword("Jeopardy")
FALLOUT_COUNT = SearchAttributeKey.for_int("FalloutCount")

ALL_KEYS: tuple[SearchAttributeKey, ...] = (
    ORDER_STATE,
    CUSTOMER_ID,
    CHANNEL,
    ORDER_ID,
    DOMAIN,
    JEOPARDY,
    FALLOUT_COUNT,
)


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    kinds = {"KEYWORD": "Keyword", "INT": "Int"}
    return [
        flag
        for key in ALL_KEYS
        for flag in ("--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}")
    ]
