from __future__ import annotations

import pytest
from sample_orders import load_catalog

from decomposition.catalog import CatalogVersion


@pytest.fixture(scope="session")
def catalog() -> CatalogVersion:
    return load_catalog()
