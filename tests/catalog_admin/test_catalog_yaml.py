"""YAML stays the seed and the export format: `oms catalog export`, `import`, `publish`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from store import catalog_admin
from store.catalog_files import load_catalog_version
from store.catalogs import catalog_repository, seed_repository
from tests.catalog_admin.support import reset_catalog_management

runner = CliRunner()


@pytest.fixture
def clean_catalog() -> Iterator[None]:
    reset_catalog_management()
    yield
    reset_catalog_management()


def test_export_import_publish_round_trip(tmp_path: Path, clean_catalog: None) -> None:
    seed = seed_repository().latest

    exported = runner.invoke(app, ["catalog", "export", str(tmp_path)])
    assert exported.exit_code == 0, exported.output
    folder = tmp_path / seed.version
    assert load_catalog_version(folder) == seed

    # An edit in the files: the IPTV offering renamed, imported as the draft, published.
    path = folder / "catalog.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    iptv = next(o for o in document["offerings"] if o["id"] == "iptv")
    iptv["name"] = "IPTV Max"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    imported = runner.invoke(app, ["catalog", "import", str(folder), "--actor", "ada"])
    assert imported.exit_code == 0, imported.output
    draft = catalog_admin.get_draft("ada")
    assert draft is not None and draft.base_version == seed.version

    published = runner.invoke(app, ["catalog", "publish", "--actor", "ada"])
    assert published.exit_code == 0, published.output
    latest = catalog_repository().latest
    assert latest.version == "2026.2"
    renamed = latest.offering("iptv")
    assert renamed is not None and renamed.name == "IPTV Max"
    audit, _ = catalog_admin.audit_log(0, 10)
    assert [(a.action, a.actor) for a in audit] == [("publish", "ada"), ("import", "ada")]


def test_a_broken_draft_is_not_published(tmp_path: Path, clean_catalog: None) -> None:
    seed = seed_repository().latest
    runner.invoke(app, ["catalog", "export", str(tmp_path)])
    path = tmp_path / seed.version / "catalog.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["offerings"][0]["productSpecification"] = "missing-spec"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    refused = runner.invoke(
        app, ["catalog", "import", str(tmp_path / seed.version), "--actor", "x"]
    )

    assert refused.exit_code == 1
    assert "missing-spec" in refused.output
    assert catalog_admin.get_draft("x") is None
