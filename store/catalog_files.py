"""Reads the versioned catalog from YAML files: the only place the catalog touches the disk.

Layout: `<root>/<version>/*.yaml`, one directory per version (e.g. `catalog/2026.1/`). In a version
directory, `version.yaml` holds the description and defaults; every other file holds lists under
`offerings`, `productSpecifications`, `serviceSpecifications` and `resourceSpecifications`, merged
in file-name order. See catalog/README.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from decomposition.catalog import CatalogRepository, CatalogVersion

_LISTS = (
    "offerings",
    "productSpecifications",
    "serviceSpecifications",
    "resourceSpecifications",
    "prices",  # prices not yet in an offering (catalog management)
    "rules",  # order rules: enrichment, duplicates, approval (decomposition/rules.py)
)
_VERSION_FILE = "version.yaml"


class CatalogFileError(ValueError):
    pass


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise CatalogFileError(f"{path}: expected a mapping at the top level")
    return data


def load_catalog_version(directory: Path | str) -> CatalogVersion:
    directory = Path(directory)
    document: dict[str, Any] = {"version": directory.name, **{key: [] for key in _LISTS}}
    version_file = directory / _VERSION_FILE
    if version_file.exists():
        header = _read_yaml(version_file)
        unknown = set(header) - {"description", "defaults", "categories"}
        if unknown:
            raise CatalogFileError(f"{version_file}: unknown keys {sorted(unknown)}")
        document.update(header)
    for path in sorted(directory.glob("*.yaml")):
        if path.name == _VERSION_FILE:
            continue
        data = _read_yaml(path)
        unknown = set(data) - set(_LISTS)
        if unknown:
            raise CatalogFileError(f"{path}: unknown keys {sorted(unknown)}")
        for key in _LISTS:
            document[key].extend(data.get(key) or [])
    try:
        return CatalogVersion.model_validate(document)
    except ValueError as exc:
        raise CatalogFileError(f"catalog version in {directory} is invalid: {exc}") from exc


def load_catalog_repository(path: Path | str) -> CatalogRepository:
    """Every version under `path` (each sub-directory whose name is a version number)."""
    root = Path(path)
    if not root.is_dir():
        raise CatalogFileError(f"catalog directory {root} does not exist")
    versions = [
        load_catalog_version(child)
        for child in sorted(root.iterdir())
        if child.is_dir() and all(part.isdigit() for part in child.name.split("."))
    ]
    if not versions:
        raise CatalogFileError(f"no catalog version directory (like 2026.1) under {root}")
    return CatalogRepository(versions)


def version_modified_at(root: Path | str, version: str) -> str | None:
    """When a seed version's files last changed (ISO, UTC): its entities' TMF620 lastUpdate."""
    directory = Path(root) / version
    times = [p.stat().st_mtime for p in directory.glob("*.yaml")]
    if not times:
        return None
    when = datetime.fromtimestamp(max(times), UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
