"""The official TM Forum conformance kits (v4.0.0 CTKs), run with newman 6 against the live API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.auth import BROAD_ROLES, broad_headers, token
from tests.catalog_admin.support import reset_catalog_management
from tests.conftest import ROOT, ApiServer

# Copies of the kits from ../shared/tmf/ctk, so a checkout anywhere (CI's included) has them.
CTK_DIR = Path(__file__).parent / "kits"
NEWMAN = ROOT / ".ctk" / "node_modules" / ".bin" / "newman"

KITS = {
    "TMF620": (
        "TMF620-ProductCatalog/CTK-Product_Catalog-4.0.0.postman_collection.json",
        "TMF620-ProductCatalog/TMFENV-V4.0.0.postman_environment.json",
        "Product_Catalog",
        "/tmf-api/productCatalogManagement/v4/",
    ),
    "TMF622": (
        "TMF622-ProductOrdering/TMF622-ProductOrdering-v4.0.0.testkit.json",
        "TMF622-ProductOrdering/TMFENV-V4.0.0.postman_environment.json",
        "Product_Ordering",
        "/tmf-api/productOrderingManagement/v4/",
    ),
    "TMF637": (
        "TMF637-ProductInventory/TMF637-ProductInventory-v4.0.0.testkit.json",
        "TMF637-ProductInventory/TMFENV-V4.0.0.postman_environment.json",
        "Product_Inventory",
        "/tmf-api/productInventory/v4/",
    ),
}

# A kit that only reads needs something to read: (path, body) to POST before it runs.
SEEDS: dict[str, tuple[str, dict]] = {
    "TMF637": (
        "/tmf-api/productInventory/v4/product",
        {
            "name": "CTK Fiber Broadband",
            "status": "active",
            "productOffering": {"id": "fiber-broadband", "name": "Fiber Broadband"},
            "productCharacteristic": [{"name": "technology", "value": "fiber"}],
            "billingAccount": {"id": "ctk-billing-account"},
            "relatedParty": [
                {"id": "ctk-customer", "role": "customer", "@referredType": "Individual"}
            ],
        },
    ),
}


def seed(name: str, api: ApiServer) -> None:
    if name in SEEDS:
        path, body = SEEDS[name]
        response = httpx.post(
            f"{api.base_url}{path}", json=body, timeout=10, headers=broad_headers()
        )
        assert response.status_code == 201, response.text


def run_kit(name: str, api: ApiServer, tmp_path: Path) -> dict:
    collection, environment, variable, base = KITS[name]
    assert NEWMAN.exists(), "newman is missing: run `make ctk-deps`"
    report = tmp_path / f"{name}.json"
    # The kit as published, with the bearer token a Postman user would set on the collection.
    kit = json.loads((CTK_DIR / collection).read_text())
    kit["auth"] = {
        "type": "bearer",
        "bearer": [{"key": "token", "value": token(BROAD_ROLES), "type": "string"}],
    }
    authorized = tmp_path / f"{name}.collection.json"
    authorized.write_text(json.dumps(kit))
    completed = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(authorized),
            "-e",
            str(CTK_DIR / environment),
            "--env-var",
            f"{variable}={api.base_url}{base}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--timeout-request",
            "10000",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    run = json.loads(report.read_text())["run"]
    assert completed.returncode == 0, completed.stdout[-4000:]
    return run


@pytest.mark.parametrize("kit", sorted(KITS))
def test_ctk_passes_every_assertion(
    kit: str, api_server: ApiServer, worker: object, tmp_path: Path
) -> None:
    seed(kit, api_server)
    try:
        run = run_kit(kit, api_server, tmp_path)
    finally:
        # The catalog kit leaves a draft catalog behind: later tests see the YAML catalog.
        reset_catalog_management()

    assertions = run["stats"]["assertions"]
    assert assertions["total"] > 20, "the kit ran too few assertions to count"
    assert assertions["failed"] == 0
    assert run["failures"] == []
