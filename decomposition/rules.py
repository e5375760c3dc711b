"""Order rules, pure: data in the catalog version (`rules:` in its YAML), versioned with it.

Each rule is a condition in the condition language (`decomposition/conditions.py`) over one
order item and its order, and an effect:

- `enrich`: set characteristics (constants, or a lookup table keyed by a characteristic such as
  the postcode in the installation address) and order fields (priority) before decomposition;
- `duplicate`: an order matching an open order of the same customer (same offering, same key
  characteristics, within a window) is held for review (`onDuplicate: hold`, the default) or
  refused (`onDuplicate: refuse`), naming the order it duplicates;
- `approval`: the order waits for an approver (the reason says why).

The names a condition may read: the ORDER_NAMES below and the item's characteristics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from decomposition.conditions import ConditionError, parse_condition

# What a rule's condition reads besides the item's characteristics.
ORDER_NAMES = frozenset(
    {"channel", "customerCategory", "offering", "action", "priority", "totalPrice"}
)


class RuleModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class RuleKind(StrEnum):
    ENRICH = "enrich"
    DUPLICATE = "duplicate"
    APPROVAL = "approval"


class DuplicateEffect(StrEnum):
    HOLD = "hold"  # accepted, held for an agent to release or cancel
    REFUSE = "refuse"  # 409 at capture


class Lookup(RuleModel):
    """Derives characteristics from one: its value (or the part `extract` captures, e.g. the
    postcode in an address) is matched against the table's keys, longest prefix first."""

    source: str
    extract: str | None = None  # a regular expression with one group
    table: dict[str, dict[str, Any]] = Field(min_length=1)


class OrderRule(RuleModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    kind: RuleKind
    description: str = ""
    when: str = Field(min_length=1)
    # enrich
    set_characteristics: dict[str, Any] = Field(default_factory=dict)
    lookup: Lookup | None = None
    set_priority: str | None = Field(default=None, pattern=r"^[0-4]$")
    # duplicate
    match_characteristics: list[str] = Field(default_factory=list)
    window_hours: float = Field(default=24.0, gt=0)
    on_duplicate: DuplicateEffect = DuplicateEffect.HOLD
    # approval
    reason: str | None = None


def check_rules(
    rules: Iterable[OrderRule], characteristics: set[str], secrets: frozenset[str] = frozenset()
) -> list[str]:
    """Every problem of the rules, given the characteristic names the catalog defines and which
    of them are secret (sealed at the API: a rule may not write one into the order)."""
    errors: list[str] = []
    seen: set[str] = set()
    for rule in rules:
        where = f"rule '{rule.id}'"
        if rule.id in seen:
            errors.append(f"{where}: id is defined twice")
        seen.add(rule.id)
        try:
            names = parse_condition(rule.when).names
            unknown = sorted(names - ORDER_NAMES - characteristics)
            if unknown:
                errors.append(f"{where}: condition reads unknown names {unknown}")
            if "totalPrice" in names and rule.kind != RuleKind.APPROVAL:
                # Capture rules run before the order is priced: the condition would never hold.
                errors.append(f"{where}: only approval rules read totalPrice (known once priced)")
        except ConditionError as exc:
            errors.append(f"{where}: {exc}")
        written = set(rule.set_characteristics)
        if rule.lookup is not None:
            for values in rule.lookup.table.values():
                written |= set(values)
            if rule.lookup.source not in characteristics:
                errors.append(f"{where}: lookup reads unknown '{rule.lookup.source}'")
            if rule.lookup.extract is not None:
                try:
                    if re.compile(rule.lookup.extract).groups != 1:
                        errors.append(f"{where}: lookup extract needs exactly one group")
                except re.error as exc:
                    errors.append(f"{where}: bad lookup extract: {exc}")
        for name in sorted(written - characteristics):
            errors.append(f"{where}: sets unknown characteristic '{name}'")
        for name in sorted(written & secrets):
            errors.append(f"{where}: sets secret characteristic '{name}'")
        for name in sorted(set(rule.match_characteristics) - characteristics):
            errors.append(f"{where}: matches on unknown characteristic '{name}'")
        effects = {
            RuleKind.ENRICH: bool(written) or rule.set_priority is not None,
            RuleKind.DUPLICATE: bool(rule.match_characteristics),
            RuleKind.APPROVAL: bool(rule.reason),
        }
        if not effects[rule.kind]:
            needs = {
                RuleKind.ENRICH: "setCharacteristics, lookup or setPriority",
                RuleKind.DUPLICATE: "matchCharacteristics",
                RuleKind.APPROVAL: "a reason",
            }
            errors.append(f"{where}: a {rule.kind.value} rule needs {needs[rule.kind]}")
    return errors


def rule_values(
    order_fields: Mapping[str, Any], offering: str | None, action: str, item: Mapping[str, Any]
) -> dict[str, Any]:
    """What a condition reads for one item: its characteristics, then the order's names."""
    return {**item, **order_fields, "offering": offering, "action": action}


# Parsed once per text: rules are checked for every item of every order at capture.
_parsed = lru_cache(maxsize=4096)(parse_condition)


def matches(rule: OrderRule, values: Mapping[str, Any]) -> bool:
    return _parsed(rule.when).holds(values)


def lookup_values(lookup: Lookup, values: Mapping[str, Any]) -> dict[str, Any]:
    """The table row for the source's value (longest matching prefix), or nothing."""
    raw = values.get(lookup.source)
    if raw is None:
        return {}
    key = str(raw)
    if lookup.extract is not None:
        found = re.search(lookup.extract, key)
        if found is None:
            return {}
        key = found.group(1)
    best = max((p for p in lookup.table if key.startswith(p)), key=len, default=None)
    return dict(lookup.table[best]) if best is not None else {}


def approval_reasons(
    rules: Iterable[OrderRule],
    items: Iterable[tuple[str | None, str, Mapping[str, Any]]],
    order_fields: Mapping[str, Any],
) -> list[tuple[str, str]]:
    """(rule id, reason) of every approval rule some item matches: what the order's approval
    wait waits for (none: no wait). `items`: (offering, action, values)."""
    listed = list(items)
    found: list[tuple[str, str]] = []
    for rule in rules:
        if rule.kind != RuleKind.APPROVAL:
            continue
        if any(
            matches(rule, rule_values(order_fields, offering, action, values))
            for offering, action, values in listed
        ):
            found.append((rule.id, rule.reason or rule.description))
    return found
