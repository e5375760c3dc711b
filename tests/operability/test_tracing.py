"""One order, one trace: the API's span, the order workflow, a child workflow, an activity and
the southbound call all share its trace id, each under its parent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.conftest import ROOT


def test_a_trace_follows_an_order_from_the_post_to_the_southbound_call(
    temporal_env: WorkflowEnvironment,
) -> None:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "TESSERA_TASK_QUEUE": f"trace-{uuid.uuid4().hex[:8]}",
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.operability.trace_one_order", "dsl-broadband"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    order, spans = lines[0], lines[1:]
    assert order["state"] == "completed"

    post = next(s for s in spans if s["name"].startswith("POST /tmf-api/") and not s["parent_id"])
    in_trace = [s for s in spans if s["trace_id"] == post["trace_id"]]
    by_id = {s["span_id"]: s for s in in_trace}

    def ancestors(span: dict[str, Any]) -> list[str]:
        names = []
        while span["parent_id"] in by_id:
            span = by_id[span["parent_id"]]
            names.append(span["name"])
        return names

    def first(prefix: str) -> dict[str, Any]:
        found = [s for s in in_trace if s["name"].startswith(prefix)]
        assert found, (
            f"no {prefix} span in the order's trace: {sorted({s['name'] for s in in_trace})}"
        )
        return found[0]

    order_run = first("RunWorkflow:ProductOrder")
    child_run = first("RunWorkflow:DomainOrder")
    activity = first("RunActivity:")
    southbound = first("southbound ")
    # Each hangs under the one before it, up to the POST. (The SDK parents a workflow's
    # spans to the span that started it: children and activities sit under StartWorkflow.)
    assert ancestors(order_run) == ["StartWorkflow:ProductOrder", post["name"]]
    assert ancestors(child_run)[:2] == [
        "StartChildWorkflow:DomainOrder",
        "StartWorkflow:ProductOrder",
    ]
    assert ancestors(child_run)[-1] == post["name"]
    call = southbound["name"].removeprefix("southbound ")
    assert ancestors(southbound) == [
        f"RunActivity:{call}",
        f"StartActivity:{call}",
        "StartChildWorkflow:DomainOrder",
        "StartWorkflow:ProductOrder",
        post["name"],
    ]
    assert post["name"] in ancestors(activity)


def test_log_lines_carry_the_trace_and_span_ids() -> None:
    from opentelemetry.sdk.trace import TracerProvider

    from observability.tracing import add_trace_ids

    with TracerProvider().get_tracer("test").start_as_current_span("work") as span:
        line = add_trace_ids(None, "info", {"event": "order saved"})
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")
    assert "trace_id" not in add_trace_ids(None, "info", {"event": "outside any span"})
