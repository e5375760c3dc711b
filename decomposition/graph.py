"""Graph helpers shared by catalog checks and order validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle of the graph as a path (first node repeated at the end), or None.

    Iterative depth-first search, so that long chains (a 1,000-item order) cannot overflow the
    stack; nodes are visited in sorted order so the cycle reported is always the same one.
    """
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        on_path = {start}
        iterators = [iter(graph.get(start, ()))]
        while iterators:
            nxt = next(iterators[-1], None)
            if nxt is None:
                iterators.pop()
                node = path.pop()
                on_path.discard(node)
                done.add(node)
            elif nxt in on_path:
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in done:
                path.append(nxt)
                on_path.add(nxt)
                iterators.append(iter(graph.get(nxt, ())))
    return None
