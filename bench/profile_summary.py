"""Where a py-spy profile's samples go: by top self-time function and by component.

Reads py-spy's raw format (one collapsed stack per line, frames joined by ';', then a count).
"""

from __future__ import annotations

from collections import Counter

# First match wins, checked from the innermost frame outwards: a sample counts for the
# component of the innermost frame that names one.
COMPONENTS = (
    ("temporal sandbox (workflow module re-import / restrictions)", ("workflow_sandbox",)),
    ("pydantic (de)serialization", ("pydantic", "temporalio/contrib/pydantic")),
    ("temporal SDK converter", ("temporalio/converter",)),
    ("SQLAlchemy / SQLModel / DB driver", ("sqlalchemy", "sqlmodel", "sqlite3", "psycopg")),
    ("logging (structlog)", ("structlog", "logging/")),
    ("tessera workflows", ("workflows/",)),
    ("tessera activities", ("activities/",)),
    ("tessera store", ("store/",)),
    ("decomposition", ("decomposition/",)),
    ("temporal SDK worker", ("temporalio/worker",)),
    ("temporal SDK other", ("temporalio",)),
    ("asyncio / threads / idle", ("asyncio", "threading", "concurrent/futures", "selectors")),
)


def _component(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, needles in COMPONENTS:
            if any(n in frame for n in needles):
                return name
    return "other"


def summarize(raw: str, top: int = 25) -> str:
    self_time: Counter[str] = Counter()
    components: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        self_time[frames[-1]] += count
        components[_component(frames)] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples\n"

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    lines = [
        f"samples: {total} (py-spy --gil, 100 Hz: the thread holding the GIL)",
        "",
        "by component:",
    ]
    lines += [f"  {pct(n)}  {name}" for name, n in components.most_common()]
    lines += ["", f"top {top} self time:"]
    lines += [f"  {pct(n)}  {frame}" for frame, n in self_time.most_common(top)]
    lines += ["", f"top {top} inclusive (tessera and SDK frames):"]
    interesting = [
        (f, n)
        for f, n in inclusive.most_common()
        if any(k in f for k in ("workflows/", "activities/", "store/", "temporalio", "pydantic"))
    ]
    lines += [f"  {pct(n)}  {frame}" for frame, n in interesting[:top]]
    return "\n".join(lines) + "\n"
