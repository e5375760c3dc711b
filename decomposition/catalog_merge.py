"""Three-way merge of catalog documents, pure: a process admin's draft started from one
published version; another admin published since. The draft's own changes are carried onto the
newest version entity by entity (offerings, specifications, prices, categories, rules ...),
and only an entity both changed, differently, is a conflict.
"""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]


def _by_id(value: Any) -> dict[str, Document] | None:
    """A list of entities by id, or None when the value is not such a list."""
    if not isinstance(value, list) or not all(isinstance(e, dict) and "id" in e for e in value):
        return None
    return {e["id"]: e for e in value}


def _merge_entities(
    key: str, base: list[Document], mine: list[Document], latest: list[Document]
) -> tuple[list[Document], list[str]]:
    base_ids, mine_ids, latest_ids = _by_id(base) or {}, _by_id(mine) or {}, _by_id(latest) or {}
    merged: dict[str, Document | None] = dict(latest_ids)
    conflicts: list[str] = []
    for entity_id in [*base_ids, *(i for i in mine_ids if i not in base_ids)]:
        before, ours, theirs = (
            base_ids.get(entity_id),
            mine_ids.get(entity_id),
            latest_ids.get(entity_id),
        )
        if ours == before or ours == theirs:
            continue  # not changed in the draft, or changed alike
        if theirs == before:
            merged[entity_id] = ours  # changed (or added, or deleted: None) in the draft only
        else:
            conflicts.append(f"{key} '{entity_id}'")
    order = [*latest_ids, *(i for i in mine_ids if i not in latest_ids)]
    return [e for i in order if (e := merged.get(i)) is not None], conflicts


def rebase(base: Document, mine: Document, latest: Document) -> tuple[Document, list[str]]:
    """The draft's changes (`base` -> `mine`) applied to `latest`, and what conflicts: the
    entities (or other fields) changed both in the draft and in `latest`, differently."""
    merged: Document = {}
    conflicts: list[str] = []
    for key in [*latest, *(k for k in mine if k not in latest)]:
        before, ours, theirs = base.get(key), mine.get(key), latest.get(key)
        lists = [_by_id(v if v is not None else []) for v in (before, ours, theirs)]
        if all(found is not None for found in lists):
            entities, clashed = _merge_entities(key, before or [], ours or [], theirs or [])
            merged[key] = entities
            conflicts += clashed
        elif ours == before or ours == theirs:
            merged[key] = theirs
        elif theirs == before:
            merged[key] = ours
        else:
            conflicts.append(f"'{key}'")
        if merged.get(key) is None:
            merged.pop(key, None)
    return merged, conflicts
