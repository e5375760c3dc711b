"""The checks of an order item's characteristic values against its offering: typed and valid,
offered (charValueUse), required ones given, none unknown. Each failed check is a problem of
the item; the values that pass are normalized."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from decomposition.characteristics import CharacteristicError
from decomposition.offering_terms import NO_DEFAULT, OfferingTerms
from decomposition.problems import Problem
from decomposition.product_instances import item_problem
from tmf.product_order import ProductOrderItem

# Raw characteristic values whose normalized value is memoized: immutable, and equal values
# (of one type) normalize alike, unlike floats (0.0 and -0.0).
_MEMOIZED_TYPES = frozenset({str, int, bool})
_NOT_MEMOIZED: Any = object()


class CharacteristicChecks:
    """Checks the values of one order's items, adding problems to `problems` (the order's)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        # Normalized values by (id of the rule, type, raw value), for the memoized types: items
        # repeat values (speeds, SIM types...). By type too: True == 1, but not as a value.
        self.normalized: dict[tuple[int, type, Any], Any] = {}

    def values(
        self,
        item: ProductOrderItem,
        given: Mapping[str, Any],
        offering: OfferingTerms,
        *,
        with_defaults: bool,
    ) -> dict[str, Any]:
        """Normalized values in spec order; problems for ill-typed or invalid ones."""
        values: dict[str, Any] = {}
        normalized = self.normalized
        for name, rule, offered, default in offering.chars:
            raw = given.get(name)
            if raw is not None:
                try:
                    if type(raw) in _MEMOIZED_TYPES:
                        memo_key = (id(rule), type(raw), raw)
                        value = normalized.get(memo_key, _NOT_MEMOIZED)
                        if value is _NOT_MEMOIZED:
                            value = normalized[memo_key] = rule.normalize(raw)
                    else:
                        value = rule.normalize(raw)
                except CharacteristicError as exc:
                    self.problems.append(
                        item_problem(exc.code, f"item '{item.id}': {exc.reason}", item)
                    )
                    continue
                if offered is not None and value not in offered:
                    allowed = ", ".join(repr(v) for v in offered)
                    self.problems.append(
                        item_problem(
                            "InvalidCharacteristicValue",
                            f"item '{item.id}': characteristic '{name}' value {value!r} is "
                            f"not offered by '{offering.name}' (one of {allowed})",
                            item,
                        )
                    )
                    continue
                values[name] = value
            elif with_defaults and default is not NO_DEFAULT:
                values[name] = default
        return values

    def check_required(
        self, item: ProductOrderItem, offering: OfferingTerms, values: Mapping[str, Any]
    ) -> tuple[str, ...]:
        """Problems for missing required values; returns the missing requiredForDecomposition."""
        deferred: tuple[str, ...] = ()
        for name, required, required_when, for_decomposition in offering.requirable:
            if name in values:
                continue
            if required or (required_when is not None and required_when.holds(values)):
                self.problems.append(
                    item_problem(
                        "MissingCharacteristic",
                        f"item '{item.id}': characteristic '{name}' is required by "
                        f"'{offering.spec_name}'",
                        item,
                    )
                )
            elif for_decomposition:
                deferred = (*deferred, name)
        return deferred

    def check_unknown(
        self, item: ProductOrderItem, given: Mapping[str, Any], known: frozenset[str]
    ) -> None:
        for name in given:
            if name not in known:
                self.problems.append(
                    item_problem(
                        "UnknownCharacteristic",
                        f"item '{item.id}': characteristic '{name}' is not defined by the offering",
                        item,
                    )
                )
