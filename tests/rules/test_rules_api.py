"""The process admin manages order rules in the draft catalog; publishing checks them; a
customer cannot touch them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.auth import bearer
from tests.catalog_admin.support import reset_catalog_management

ADMIN = bearer("process-admin", "process-admin-ada")
RULE = {
    "id": "business-first",
    "kind": "enrich",
    "when": "customerCategory == 'business'",
    "setPriority": "1",
}


@pytest.fixture
def clean_catalog(database: str) -> Iterator[None]:
    reset_catalog_management()
    yield
    reset_catalog_management()


async def test_rules_are_drafted_checked_at_publish_and_published(
    http: httpx.AsyncClient, clean_catalog: None
) -> None:
    before = await http.get("/ops/v1/catalog/rules", headers=ADMIN)
    assert before.status_code == 200 and before.json()["rules"] == []

    bad = {**RULE, "id": "typo", "when": "customerCategry == 'business'"}
    put = await http.put("/ops/v1/catalog/draft/rules", json={"rules": [bad]}, headers=ADMIN)
    assert put.status_code == 200, put.text
    refused = await http.post("/ops/v1/catalog/draft/publish", headers=ADMIN)
    assert refused.status_code == 409
    assert any("rule 'typo'" in p for p in refused.json()["problems"])

    shapeless = await http.put(
        "/ops/v1/catalog/draft/rules", json={"rules": [{"id": "x"}]}, headers=ADMIN
    )
    assert shapeless.status_code == 422 and shapeless.json()["code"] == "InvalidRule"

    await http.put("/ops/v1/catalog/draft/rules", json={"rules": [RULE]}, headers=ADMIN)
    published = await http.post("/ops/v1/catalog/draft/publish", headers=ADMIN)
    assert published.status_code == 200, published.text
    after = await http.get("/ops/v1/catalog/rules", headers=ADMIN)
    assert after.json()["source"] == published.json()["version"]
    assert [{k: r[k] for k in RULE} for r in after.json()["rules"]] == [RULE]
    audit = (await http.get("/ops/v1/catalog/audit", headers=ADMIN)).json()
    assert any(a["resource"] == "orderRules" and a["actor"] == "process-admin-ada" for a in audit)


async def test_a_customer_cannot_read_or_change_rules(
    http: httpx.AsyncClient, clean_catalog: None
) -> None:
    customer = bearer("customer", "cust-rules", party="cust-rules")
    put = await http.put("/ops/v1/catalog/draft/rules", json={"rules": [RULE]}, headers=customer)
    assert put.status_code == 403
    assert (await http.get("/ops/v1/catalog/rules", headers=customer)).status_code == 403
