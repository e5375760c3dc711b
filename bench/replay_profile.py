"""Where the replay of one order's history spends its time (issue 24: a large order's worker must
replay its history within the workflow task timeout whenever it loses the run).

Replays a history written by `bench.large_order --history-dir` (PAYLOAD_KEYS: the keys of the
stack that recorded it) once under cProfile, unsandboxed and without the deadlock detector so
that the profile names Tessera's functions, and prints the wall time and the functions with the
most time of their own and in all.

    PAYLOAD_KEYS=... .venv/bin/python -m bench.replay_profile /tmp/lo/order_1000.json [--top 40]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import time
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from temporal_client import data_converter_for
from temporal_client.codec import parse_key_ring
from workflows.registry import WORKFLOWS


async def replay(history: WorkflowHistory, profile: cProfile.Profile | None) -> float:
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter_for(parse_key_ring(os.environ["PAYLOAD_KEYS"])),
        workflow_runner=UnsandboxedWorkflowRunner(),
        debug_mode=True,  # no deadlock detector: the profiler slows every activation
    )
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    await replayer.replay_workflow(history)
    if profile is not None:
        profile.disable()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("history", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    text = args.history.read_text()
    history = WorkflowHistory.from_json(args.history.stem, text)
    plain = asyncio.run(replay(history, None))
    profile = cProfile.Profile()
    profiled = asyncio.run(replay(history, profile))
    print(f"{len(history.events)} events: replay {plain:.1f} s ({profiled:.1f} s profiled)")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
