from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sample_orders import CATALOG_DIR

from decomposition.catalog import (
    SOUTHBOUND_OPERATIONS,
    CatalogRepository,
    CatalogVersion,
    ProductSpecification,
    TaskKind,
)
from decomposition.conditions import ConditionError, parse_condition
from store.catalog_files import CatalogFileError, load_catalog_repository


def test_sample_catalog_has_the_required_breadth(catalog: CatalogVersion) -> None:
    assert len(catalog.offerings) >= 6
    assert catalog.task_count() >= 25
    ids = {o.id for o in catalog.offerings}
    assert {"fiber-broadband", "dsl-broadband", "mobile-postpaid", "iptv", "triple-play"} <= ids
    assert {"sdwan-enterprise", "handset-nova-x5"} <= ids


def test_every_automated_task_calls_a_known_southbound_operation(catalog: CatalogVersion) -> None:
    for spec in catalog.index.specs.values():
        for templates in spec.tasks.values():
            for task in templates:
                if task.kind == TaskKind.AUTOMATED:
                    assert task.operation in SOUTHBOUND_OPERATIONS[task.system or ""]


def test_pii_is_not_assetizable(catalog: CatalogVersion) -> None:
    mobile = catalog.product_spec("mobile")
    assert mobile is not None
    assert not mobile.characteristic("portingPin").assetizable  # type: ignore[union-attr]
    assert not mobile.characteristic("dateOfBirth").assetizable  # type: ignore[union-attr]
    broadband = catalog.product_spec("broadband")
    address = broadband.characteristic("installationAddress")  # type: ignore[union-attr]
    assert address is not None and address.required_for_decomposition


def _load_edited(tmp_path: Path, edit: str, old: str, new: str) -> None:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    path = target / "2026.1" / edit
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    load_catalog_repository(target)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("broadband.yaml", "target: rfs-dsl-access", "target: rfs-vdsl", "target is not defined"),
        ("broadband.yaml", "system: inventory\n", "system: netcracker\n", "unknown system"),
        ("broadband.yaml", "operation: reserve_port\n", "operation: grab_port\n", "no operation"),
        ("broadband.yaml", "'technology == \"fiber\"'", "'technology === 1'", "unexpected"),
        ("broadband.yaml", "'technology == \"fiber\"'", "'speed == 1'", "unknown characteristics"),
        ("mobile.yaml", "dependsOn: [check-port, ", "dependsOn: [nothing, ", "unknown dependency"),
        # The router is shipped before the install; make the router wait for the install.
        (
            "broadband.yaml",
            "expectedDurationSeconds: 172800, compensation",
            "expectedDurationSeconds: 172800, dependsOn: ['cfs-internet-access:install'], "
            "compensation",
            "cycle",
        ),
        (
            "handset.yaml",
            "assetization: true}\n      delete:",
            "}\n      delete:",
            "exactly one assetization",
        ),
        (
            "mobile.yaml",
            "assetizable: false, secret: true",
            "secret: true",
            "a secret is a string and not assetizable",
        ),
        (
            "triple-play.yaml",
            "offering: iptv, reliesOn: [broadband]",
            "offering: iptv, reliesOn: [tv]",
            "unknown child",
        ),
    ],
)
def test_broken_catalogs_are_refused_with_the_reason(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    with pytest.raises(CatalogFileError, match=message):
        _load_edited(tmp_path, file, old, new)


def test_repository_keeps_versions_and_knows_the_latest(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR / "2026.1", root / "2026.1")
    shutil.copytree(CATALOG_DIR / "2026.1", root / "2026.10")
    shutil.copytree(CATALOG_DIR / "2026.1", root / "2026.9")
    (root / "README-not-a-version").mkdir()
    repo = load_catalog_repository(root)
    assert repo.versions == ["2026.1", "2026.9", "2026.10"]
    assert repo.latest.version == "2026.10"
    assert repo.get("2026.9").version == "2026.9"
    assert repo.get().version == "2026.10"
    with pytest.raises(KeyError, match="2025.1"):
        repo.get("2025.1")


def test_repository_refuses_an_empty_list() -> None:
    with pytest.raises(ValueError):
        CatalogRepository([])


def test_version_file_rejects_unknown_keys(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR / "2026.1", root / "2026.1")
    (root / "2026.1" / "version.yaml").write_text(yaml.safe_dump({"colour": "blue"}))
    with pytest.raises(CatalogFileError, match="unknown keys"):
        load_catalog_repository(root)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ('technology == "fiber"', {"technology": "fiber"}, True),
        ('technology == "fiber"', {"technology": "dsl"}, False),
        ('technology == "fiber"', {}, False),
        ('not technology == "fiber"', {}, True),
        ("siteCount >= 2 and siteCount < 5", {"siteCount": 3}, True),
        ("siteCount >= 2 and siteCount < 5", {"siteCount": 5}, False),
        ("speed in [100, 500] or premium == true", {"speed": 20, "premium": True}, True),
        ("speed in [100, 500] or premium == true", {"speed": 20, "premium": False}, False),
        ("(a == 1 or b == 2) and c != 3", {"a": 1, "c": 4}, True),
        ("a is set", {"a": 0}, True),
        ("a is set", {}, False),
        ("a > 3", {"a": "text"}, False),  # mixed types compare false, never raise
    ],
)
def test_conditions(text: str, values: dict[str, object], expected: bool) -> None:
    assert parse_condition(text).holds(values) is expected


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "a ==", "a == b", "a == 1 and", "(a == 1", "a.b == 1", "a = 1", ""],
)
def test_conditions_that_do_not_parse(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_every_product_spec_ends_each_action_with_assetization(catalog: CatalogVersion) -> None:
    for spec in catalog.product_specifications:
        assert isinstance(spec, ProductSpecification)
        for action, templates in spec.tasks.items():
            assert sum(t.assetization for t in templates) == 1, (spec.id, action)
