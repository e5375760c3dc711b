"""The catalog versions this process serves: the YAML seed (CATALOG_DIR) and the versions
published through catalog management (the store), reloaded when one is published."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache

from config.settings import get_settings
from decomposition.catalog import CatalogRepository, CatalogVersion
from store.catalog_admin import published, published_marker
from store.catalog_files import load_catalog_repository

_lock = threading.Lock()
_cached: dict[str, tuple[tuple[int, datetime | None], CatalogRepository]] = {}


@lru_cache(maxsize=4)
def _seed(directory: str) -> CatalogRepository:
    return load_catalog_repository(directory)


def seed_repository() -> CatalogRepository:
    """The YAML catalog only."""
    return _seed(get_settings().catalog_dir)


def catalog_repository() -> CatalogRepository:
    directory = get_settings().catalog_dir
    marker = published_marker()  # one indexed query: has anything been published since?
    with _lock:
        cached = _cached.get(directory)
        if cached is not None and cached[0] == marker:
            return cached[1]
    seed = _seed(directory)
    if marker[0] == 0:
        repository = seed
    else:
        versions = [seed.get(name) for name in seed.versions]
        versions += [CatalogVersion.model_validate(row.document) for row in published()]
        repository = CatalogRepository(versions)
    with _lock:
        _cached[directory] = (marker, repository)
    return repository


def catalog_version(version: str | None = None) -> CatalogVersion:
    """A given version (in-flight orders finish on theirs), or the latest for new orders."""
    repository = catalog_repository()
    return repository.get(version) if version else repository.latest
