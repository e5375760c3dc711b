"""Prometheus metrics of Tessera (prometheus-client, the process's default registry).

Names follow Prometheus conventions: a `tessera_` prefix, the unit in the name, `_total` on
counters. Label values are bounded: offering ids are checked against the catalog, channels
against METRICS_CHANNELS (others count as "other"), systems and operations come from the
southbound contract; never an order id. Each fact is counted where it happens: the API counts
HTTP requests and accepted orders; the worker's activities count closed orders, cycle times and
southbound calls; what the store holds (open fallout, jeopardy, manual tasks, admission) is read
at scrape time by `observability/store_metrics.py`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from prometheus_client import Counter, Histogram

from config.settings import get_settings
from tmf.product_order import ProductOrder

OTHER = "other"
UNKNOWN = "unknown"

HTTP_REQUESTS = Counter(
    "tessera_http_requests_total",
    "HTTP requests answered by the API, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "tessera_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ORDERS_ACCEPTED = Counter(
    "tessera_orders_accepted_total",
    "Product orders accepted by the API (201, not replays), by offering and channel. An order "
    "counts once under each offering it holds.",
    ["offering", "channel"],
)
ORDERS_CLOSED = Counter(
    "tessera_orders_closed_total",
    "Product orders that reached a final state (completed, partial, failed, rejected, "
    "cancelled), by offering and channel; counted once, when the store first records it.",
    ["offering", "channel", "state"],
)
ORDER_CYCLE_TIME = Histogram(
    "tessera_order_cycle_time_seconds",
    "From order date to completion, for completed orders, by offering.",
    ["offering"],
    buckets=(
        1,
        5,
        15,
        60,
        300,
        900,
        3600,
        4 * 3600,
        12 * 3600,
        86400,
        3 * 86400,
        7 * 86400,
        14 * 86400,
        30 * 86400,
    ),
)
SOUTHBOUND_CALLS = Counter(
    "tessera_southbound_calls_total",
    "Calls to southbound systems, by system, operation and outcome (success, error, rejected).",
    ["system", "operation", "outcome"],
)
SOUTHBOUND_DURATION = Histogram(
    "tessera_southbound_call_duration_seconds",
    "Time a southbound system took to answer, by system and operation.",
    ["system", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FALLOUT_DECISIONS = Counter(
    "tessera_fallout_decisions_total",
    "Agents' decisions on fallout cases (assign, retry, skip, fail), by action.",
    ["action"],
)
FALLOUT_RESOLVED = Counter(
    "tessera_fallout_cases_resolved_total",
    "Fallout cases resolved, by system and resolution: retry (the retried task succeeded), "
    "skip, fail (an agent's decision) or withdrawn (the order was cancelled). Counted by the "
    "worker when the store records the resolution, once per resolution (a case retried and "
    "failing again can be resolved again later).",
    ["system", "resolution"],
)


@lru_cache(maxsize=1)
def known_offerings() -> frozenset[str]:
    """Every offering id of every catalog version: the values the offering label may take."""
    from store.catalogs import catalog_repository

    repository = catalog_repository()
    return frozenset(
        offering.id for name in repository.versions for offering in repository.get(name).offerings
    )


def offering_label(offering_id: str | None) -> str:
    return offering_id if offering_id in known_offerings() else UNKNOWN


def channel_label(channel: str | None) -> str:
    if not channel:
        return UNKNOWN
    return channel if channel in get_settings().metrics_channels else OTHER


def order_offerings(order: ProductOrder) -> list[str]:
    """The order's distinct offerings, as label values (an order counts once under each)."""
    found: Iterable[str | None] = (
        item.product_offering.id if item.product_offering else None
        for item in order.product_order_item
    )
    return sorted({offering_label(offering) for offering in found})


def count_accepted(order: ProductOrder) -> None:
    channel = channel_label(order.channel_name())
    for offering in order_offerings(order):
        ORDERS_ACCEPTED.labels(offering, channel).inc()


def count_closed(order: ProductOrder) -> None:
    """An order the store just recorded in a final state, for the first time."""
    channel = channel_label(order.channel_name())
    state = order.state.value
    for offering in order_offerings(order):
        ORDERS_CLOSED.labels(offering, channel, state).inc()
        if state == "completed":
            end = order.completion_date or datetime.now(order.order_date.tzinfo)
            cycle = (end - order.order_date).total_seconds()
            ORDER_CYCLE_TIME.labels(offering).observe(max(cycle, 0.0))


@contextmanager
def southbound_call(system: str, operation: str) -> Iterator[None]:
    """Times one call and counts its outcome: success, rejected (the system refused for good,
    a non-retryable error) or error (it may succeed on retry)."""
    from temporalio.exceptions import ApplicationError

    from observability.tracing import tracer

    started = time.perf_counter()
    outcome = "error"
    try:
        # A span of its own under the activity's: the system's share of the order's trace.
        with tracer().start_as_current_span(
            f"southbound {system}.{operation}",
            attributes={"tessera.system": system, "tessera.operation": operation},
        ):
            yield
        outcome = "success"
    except ApplicationError as error:
        outcome = "rejected" if error.non_retryable else "error"
        raise
    finally:
        SOUTHBOUND_CALLS.labels(system, operation, outcome).inc()
        SOUTHBOUND_DURATION.labels(system, operation).observe(time.perf_counter() - started)
