"""TMF620 lifecycle of catalog entities, pure: the moves allowed, which statuses are in use, and
what a catalog whose entities are at different stages may not hold (checked on publish).

Every entity moves `In design -> In test -> Active -> Retired -> Obsolete`; an offering's in-use
status is `Launched` (it may pass through `Active`: ready, not yet sold). `In test` may go back to
`In design`; nothing else goes back. A new entity starts `In design`.
"""

from __future__ import annotations

from decomposition.catalog import (
    CatalogVersion,
    LifecycleStatus,
    ProductOffering,
    Specification,
)

S = LifecycleStatus
IN_USE = frozenset({S.ACTIVE, S.LAUNCHED})
ENDED = frozenset({S.RETIRED, S.OBSOLETE})
MOVES: dict[LifecycleStatus, frozenset[LifecycleStatus]] = {
    S.IN_DESIGN: frozenset({S.IN_TEST}),
    S.IN_TEST: frozenset({S.IN_DESIGN, S.ACTIVE, S.LAUNCHED}),
    S.ACTIVE: frozenset({S.LAUNCHED, S.RETIRED}),
    S.LAUNCHED: frozenset({S.RETIRED}),
    S.RETIRED: frozenset({S.OBSOLETE}),
    S.OBSOLETE: frozenset(),
}
PATH = "In design -> In test -> Active (an offering: Launched) -> Retired -> Obsolete"


def in_use(status: LifecycleStatus) -> bool:
    return status in IN_USE


def move_problem(resource: str, before: LifecycleStatus, after: LifecycleStatus) -> str | None:
    """Why an entity may not move from `before` to `after` (None: it may; staying is no move)."""
    offering = resource == "productOffering"
    if after == before or after in MOVES[before]:
        if after == S.LAUNCHED and not offering:
            return f"only a productOffering is Launched: a {resource} in use is Active"
        return None
    moves = [m.value for m in MOVES[before] if offering or m != S.LAUNCHED]
    nexts = ", ".join(sorted(moves)) or "nothing"
    return f"it is {before.value}: it may become {nexts} ({PATH})"


def _spec_tree(catalog: CatalogVersion, spec: Specification) -> list[Specification]:
    """The specification and every service/resource specification it reaches."""
    found: list[Specification] = []
    stack = [spec]
    while stack:
        current = stack.pop()
        if any(s.id == current.id for s in found):
            continue
        found.append(current)
        stack.extend(s for r in current.relationships if (s := catalog.spec(r.target)) is not None)
    return found


def _offering_problems(catalog: CatalogVersion, offering: ProductOffering) -> list[str]:
    where = f"offering '{offering.id}' is Launched"
    found: list[str] = []
    spec = catalog.spec(offering.product_specification or "")
    for reached in _spec_tree(catalog, spec) if spec else []:
        if not in_use(reached.lifecycle_status):
            found.append(
                f"{where} but specification '{reached.id}' it is fulfilled by is "
                f"{reached.lifecycle_status.value}"
            )
    categories = {c.id: c for c in catalog.categories}
    for category_id in offering.category:
        category = categories.get(category_id)
        if category is not None and category.lifecycle_status in ENDED:
            found.append(
                f"{where} in category '{category_id}', which is {category.lifecycle_status.value}"
            )
    return found


def lifecycle_problems(catalog: CatalogVersion) -> list[str]:
    """What a launched offering relies on that is not in use: its specification (and the
    service and resource specifications realizing it) must be Active, its categories not
    retired. Offerings not launched may rely on anything (they are still being built)."""
    found: list[str] = []
    for offering in catalog.offerings:
        if offering.lifecycle_status == S.LAUNCHED:
            found.extend(_offering_problems(catalog, offering))
    return found
