"""Metrics read from the store when Prometheus scrapes: open fallout, orders and running tasks in
jeopardy, manual work queues and the admission queue. The store is shared by every replica, so
these are exact whichever API answers (every API reports the same value: aggregate with max,
not sum).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from config.settings import get_settings
from observability.logs import get_logger
from store import operations_counts as counts

log = get_logger(__name__)

JEOPARDY_LEVELS = {0: "none", 1: "warning", 2: "critical"}


class BacklogView(Protocol):
    """What admission last read of the task queue (api/admission.py's GATE)."""

    workflow_backlog: int | None
    activity_backlog: int | None


class StoreCollector(Collector):
    def __init__(self, gate: BacklogView | None) -> None:
        self.gate = gate

    def describe(self) -> list[GaugeMetricFamily]:
        # Without it, registering the collector would query the store (prometheus-client calls
        # collect() to learn the names), before the schema may even exist.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        try:
            yield from self._fallout()
            yield from self._jeopardy()
            yield from self._manual_tasks()
            yield from self._admission()
        except Exception as error:  # a scrape must not fail because the store is down
            log.warning("store metrics unavailable", error=str(error))

    def _fallout(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        labels = ["system", "error_code"]
        open_cases = GaugeMetricFamily(
            "tessera_fallout_cases_open",
            "Fallout cases waiting for an agent (open or assigned), by system and error code.",
            labels=labels,
        )
        opened = CounterMetricFamily(
            "tessera_fallout_cases_opened",
            "Times a fallout case was opened (a retry that fails again reopens it).",
            labels=labels,
        )
        totals: dict[tuple[str, str], list[int]] = {}
        for row in counts.fallout_counts():
            key = (row.system, row.error_code)
            open_n, opened_n = totals.setdefault(key, [0, 0])
            totals[key] = [
                open_n + (row.cases if row.state in ("open", "inProgress") else 0),
                opened_n + row.failures,
            ]
        for key, (open_n, opened_n) in sorted(totals.items()):
            open_cases.add_metric(list(key), open_n)
            opened.add_metric(list(key), opened_n)
        # Resolutions are a true counter of the worker, which resolves the cases:
        # tessera_fallout_cases_resolved_total (observability/metrics.py).
        yield from (open_cases, opened)

    def _jeopardy(self) -> Iterator[GaugeMetricFamily]:
        orders = GaugeMetricFamily(
            "tessera_orders_open_by_jeopardy",
            "Open product orders by jeopardy level (none, warning, critical).",
            labels=["level"],
        )
        found = counts.open_orders_by_jeopardy_rank()
        for rank, level in JEOPARDY_LEVELS.items():
            orders.add_metric([level], found.get(rank, 0))
        tasks = GaugeMetricFamily(
            "tessera_tasks_open_by_jeopardy",
            "Running tasks of open product orders in jeopardy, by level (warning: past its share "
            "of the expected duration, critical: past the expected duration).",
            labels=["level"],
        )
        late = counts.open_tasks_by_jeopardy_level()
        for level in ("warning", "critical"):
            tasks.add_metric([level], late.get(level, 0))
        yield from (orders, tasks)

    def _manual_tasks(self) -> Iterator[GaugeMetricFamily]:
        open_tasks = GaugeMetricFamily(
            "tessera_manual_tasks_open",
            "Manual work items open or claimed, by queue.",
            labels=["queue"],
        )
        oldest = GaugeMetricFamily(
            "tessera_manual_task_oldest_age_seconds",
            "Age of the oldest open manual work item, by queue.",
            labels=["queue"],
        )
        now = datetime.now(UTC).replace(tzinfo=None)  # the store keeps naive UTC
        for row in counts.open_manual_tasks():
            open_tasks.add_metric([row.queue], row.open)
            if row.oldest_created_at is not None:
                age = (now - row.oldest_created_at.replace(tzinfo=None)).total_seconds()
                oldest.add_metric([row.queue], max(age, 0.0))
        yield from (open_tasks, oldest)

    def _admission(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily(
            "tessera_admission_backlog_tasks",
            "Tasks waiting for a worker on the order task queue, as admission last read it.",
            labels=["kind"],
        )
        if self.gate is not None:
            read = {"workflow": self.gate.workflow_backlog, "activity": self.gate.activity_backlog}
            for kind, tasks in read.items():
                if tasks is not None:  # read only while admission control is on
                    backlog.add_metric([kind], tasks)
        waiting = GaugeMetricFamily(
            "tessera_admission_waiting_orders",
            "Accepted orders whose workflow has not started yet (admission queue).",
        )
        waiting.add_metric([], counts.waiting_orders(get_settings().task_queue))
        yield from (backlog, waiting)


_registered = False


def register_store_metrics(gate: BacklogView | None = None) -> None:
    """Once per process (the API, with its admission gate). Nothing is imported while a scrape
    runs: prometheus-client holds its registry's lock then, and a metric defined by an import
    would wait for it forever."""
    global _registered
    if not _registered:
        REGISTRY.register(StoreCollector(gate))
        _registered = True
