"""The shapes of a catalog version's products, computed once per version and fragment key
(fragments.py builds them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from decomposition.catalog import Action, CatalogIndex, CatalogVersion, Specification
from decomposition.fragments import Fragment, build_fragment, expand, structural_names


class CatalogShapes:
    """The shapes of one catalog version's products, computed once: a catalog version never
    changes, and the shape of a product depends only on it and the fragment key. Small orders
    would otherwise spend most of their time building the same fragments again."""

    def __init__(self) -> None:
        self.structural: dict[str, tuple[str, ...]] = {}  # by product spec id
        self.fragments: dict[tuple[Any, ...], Fragment] = {}

    def structural_names(self, catalog: CatalogVersion, product: Specification) -> tuple[str, ...]:
        names = self.structural.get(product.id)
        if names is None:
            names = self.structural[product.id] = structural_names(catalog, product)
        return names

    def fragment(
        self,
        catalog: CatalogVersion,
        key: tuple[Any, ...],
        product: Specification,
        action: Action,
        values: Mapping[str, Any],
        changed: frozenset[str] | None,
    ) -> Fragment:
        """The fragment for `key`: (spec id, action, structural values, changed)."""
        fragment = self.fragments.get(key)
        if fragment is None:
            nodes = expand(catalog, product, values)
            fragment = build_fragment(catalog, nodes, action, changed, values)
            # Bounded: keys hold order values (e.g. a site count), so there could be many.
            if len(self.fragments) < _MAX_FRAGMENTS:
                self.fragments[key] = fragment
        return fragment


_MAX_FRAGMENTS = 1000
# Per catalog version (entries go with it). Shapes refer to the catalog's specs and templates,
# never to the version or its index, which would keep them alive.
_SHAPES: WeakKeyDictionary[CatalogIndex, CatalogShapes] = WeakKeyDictionary()


def catalog_shapes(catalog: CatalogVersion) -> CatalogShapes:
    index = catalog.index
    shapes = _SHAPES.get(index)
    if shapes is None:
        shapes = _SHAPES.setdefault(index, CatalogShapes())
    return shapes
