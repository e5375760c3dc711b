"""The three-way merge that carries one admin's draft onto a version another admin published."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from decomposition.catalog_merge import rebase

Doc = dict[str, Any]
_names = st.sampled_from(["a", "b", "c", "d"])
_entities = st.dictionaries(_names, st.integers(0, 3), max_size=4).map(
    lambda found: [{"id": k, "n": v} for k, v in sorted(found.items())]
)
_documents = st.fixed_dictionaries(
    {"version": st.just("1"), "offerings": _entities, "categories": _entities}
)


def _ids(document: Doc, key: str) -> dict[str, Any]:
    return {e["id"]: e for e in document.get(key, [])}


@given(_documents, _documents)
def test_nothing_drafted_is_the_latest_and_nothing_published_is_the_draft(
    base: Doc, other: Doc
) -> None:
    assert rebase(base, base, other) == (other, [])
    merged, conflicts = rebase(base, other, base)
    assert conflicts == []
    for key in ("offerings", "categories"):
        assert _ids(merged, key) == _ids(other, key)


@given(_documents, _documents, _documents)
def test_every_entity_comes_from_whoever_changed_it_or_conflicts(
    base: Doc, mine: Doc, latest: Doc
) -> None:
    merged, conflicts = rebase(base, mine, latest)
    for key in ("offerings", "categories"):
        before, ours, theirs, result = (_ids(d, key) for d in (base, mine, latest, merged))
        for entity_id in {*before, *ours, *theirs}:
            b, o, t = before.get(entity_id), ours.get(entity_id), theirs.get(entity_id)
            if f"{key} '{entity_id}'" in conflicts:
                assert o != b and t != b and o != t
            elif o != b:
                assert result.get(entity_id) == o  # the draft's change is carried
            else:
                assert result.get(entity_id) == t  # the other admin's version stays


def test_a_change_made_in_both_differently_conflicts() -> None:
    base = {"categories": [{"id": "tv", "name": "TV"}, {"id": "m", "name": "M"}]}
    mine = {"categories": [{"id": "tv", "name": "Television"}, {"id": "m", "name": "Mob"}]}
    latest = {"categories": [{"id": "tv", "name": "TV & video"}, {"id": "m", "name": "M"}]}
    merged, conflicts = rebase(base, mine, latest)
    assert conflicts == ["categories 'tv'"]
    assert merged["categories"][1] == {"id": "m", "name": "Mob"}
