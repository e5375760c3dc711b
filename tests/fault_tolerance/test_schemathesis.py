"""schemathesis against the live API's OpenAPI document: no generated request gets a 5xx.

Bounded: a few examples per operation, and a time budget for the whole test. Every 5xx is
collected with the request that caused it, so one run reports all of them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from temporalio.worker import Worker

from activities.southbound.contract import SYSTEMS
from activities.southbound.faults import invalidate_cache
from store.simulators import delete_config
from store.tasks import set_workforce_config
from tests.auth import broad_headers
from tests.catalog_admin.support import reset_catalog_management
from tests.conftest import ApiServer

# A few per operation in the default suite (5; 8 cost this test ~40% more CPU in both passes);
# `make fuzz` (nightly) sets 60 and also fuzzes the catalog writes.
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
# Generous: the suite's two passes share two cores, and a request answered in milliseconds alone
# has been seen to take over 15 s there.
REQUEST_TIMEOUT_S = 45
BUDGET_S = float(os.environ.get("SCHEMATHESIS_BUDGET_S", "300"))
# Catalog management writes change the catalog every later test orders from (a published draft
# is the newest version) and each publication plans every offering: fuzzed in `make fuzz` only,
# where the database is the fuzzer's own. tests/catalog_admin checks them.
CATALOG_WRITES = os.environ.get("SCHEMATHESIS_CATALOG_WRITES", "") == "1"


def _catalog_write(operation: schemathesis.APIOperation) -> bool:
    path = operation.path
    managed = ("productCatalogManagement", "serviceCatalogManagement", "resourceCatalogManagement")
    return path.startswith("/ops/v1/catalog") or (
        any(api in path for api in managed) and operation.method.upper() != "GET"
    )


def _fuzz(
    operation: schemathesis.APIOperation, base_url: str, errors: list[str], deadline: float
) -> Callable[[], None]:
    """A hypothesis test of one operation that records every 5xx in `errors`."""
    headers = broad_headers()

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        if time.monotonic() > deadline:
            return  # the budget is spent (drawn anyway: hypothesis needs the same draws)
        # With rights to every route, so the fuzz reaches the handlers (not only the 401).
        try:
            response = case.call(base_url=base_url, timeout=REQUEST_TIMEOUT_S, headers=headers)
        except requests.Timeout:
            # Recorded, not raised: hypothesis would call a timeout under load "flaky" and hide
            # which request it was; a request that hangs is reported like a 5xx.
            errors.append(
                f"no answer in {REQUEST_TIMEOUT_S} s: {case.method} {case.formatted_path} "
                f"query={case.query} body={case.body!r:.300}"
            )
            return
        if response.status_code >= 500:
            errors.append(
                f"{response.status_code} {case.method} {case.formatted_path} "
                f"query={case.query} headers={case.headers} body={case.body!r}: "
                f"{response.text[:300]}"
            )

    return check


@pytest.fixture
def simulators_restored() -> Iterator[None]:
    """The fuzzer also switches simulators offline or makes them fail (PUT, PATCH on
    /ops/v1/simulators/...), in the database every later test shares: back to the defaults."""
    yield
    reset_catalog_management()
    for system in SYSTEMS:
        delete_config(system)
    invalidate_cache()  # this process's worker reads the configs through a cache
    set_workforce_config(auto_complete=False, latency_ms=0)


def test_no_generated_request_gets_a_server_error(
    api_server: ApiServer, worker: Worker, simulators_restored: None
) -> None:
    schema = schemathesis.openapi.from_url(f"{api_server.base_url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"an operation of the OpenAPI document is invalid: {result}"
        if CATALOG_WRITES or not _catalog_write(result.ok()):
            operations.append(result.ok())
    assert len(operations) >= 10, "the OpenAPI document lists too few operations"
    deadline = time.monotonic() + BUDGET_S
    errors: list[str] = []
    called: list[str] = []

    for operation in operations:
        if time.monotonic() > deadline:
            pytest.fail(f"time budget spent after {len(called)} of {len(operations)} operations")
        _fuzz(operation, api_server.base_url, errors, deadline)()
        called.append(operation.label)

    if time.monotonic() > deadline:
        pytest.fail(f"time budget spent during the last of {len(called)} operations")
    assert len(called) == len(operations)
    assert not errors, "5xx responses:\n" + "\n".join(errors)
