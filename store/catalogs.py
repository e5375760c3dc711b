"""The catalog versions this process serves, loaded once from CATALOG_DIR."""

from __future__ import annotations

from functools import lru_cache

from config.settings import get_settings
from decomposition.catalog import CatalogRepository, CatalogVersion
from store.catalog_files import load_catalog_repository


@lru_cache(maxsize=4)
def _repository(directory: str) -> CatalogRepository:
    return load_catalog_repository(directory)


def catalog_repository() -> CatalogRepository:
    return _repository(get_settings().catalog_dir)


def catalog_version(version: str | None = None) -> CatalogVersion:
    """A given version (in-flight orders finish on theirs), or the latest for new orders."""
    repository = catalog_repository()
    return repository.get(version) if version else repository.latest
