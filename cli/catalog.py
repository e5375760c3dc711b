"""`oms catalog`: the catalog as YAML files, the seed and export format of catalog management.

export  a published version (default: the latest) as a version directory of YAML files
import  a version directory as the draft catalog (then validate and publish it over the API,
        or with `oms catalog publish`)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml

app = typer.Typer(help="Export and import the catalog as YAML", no_args_is_help=True)

_LISTS = ("offerings", "productSpecifications", "serviceSpecifications", "resourceSpecifications")


def version_files(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A catalog document as the files of a version directory (see catalog/README.md)."""
    header: dict[str, Any] = {
        k: document[k] for k in ("description", "defaults", "categories") if k in document
    }
    body: dict[str, Any] = {k: document[k] for k in (*_LISTS, "prices", "rules") if document.get(k)}
    return {"version.yaml": header, "catalog.yaml": body}


@app.command("export")
def export_version(
    target: Path = typer.Argument(..., help="Directory to write <version>/ into."),
    version: str | None = typer.Option(None, help="A published version; default the latest."),
) -> None:
    """Write a published catalog version as YAML (loadable as a seed version)."""
    from decomposition.catalog_draft import new_draft
    from store.catalogs import catalog_version
    from store.db import create_tables

    create_tables()
    catalog = catalog_version(version)
    folder = target / catalog.version
    folder.mkdir(parents=True, exist_ok=True)
    document = new_draft(catalog)
    for name, content in version_files(document).items():
        (folder / name).write_text(
            yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    typer.echo(f"catalog {catalog.version} written to {folder}")


@app.command("import")
def import_version(
    source: Path = typer.Argument(..., help="A version directory of YAML files."),
    actor: str = typer.Option(..., help="Who imports it (recorded in the audit trail)."),
) -> None:
    """Make a YAML version directory the actor's draft catalog (replacing their draft)."""
    from decomposition.catalog_draft import new_draft
    from store import catalog_admin
    from store.catalog_files import CatalogFileError, load_catalog_version
    from store.catalogs import catalog_repository
    from store.db import create_tables

    create_tables()
    try:
        loaded = load_catalog_version(source)
    except CatalogFileError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    base = catalog_repository().latest.version

    def start() -> catalog_admin.Draft:
        return catalog_admin.Draft(base, {}, {})

    def replace(draft: catalog_admin.Draft) -> catalog_admin.AuditEntry:
        draft.base_version = base
        draft.document = new_draft(loaded)
        return catalog_admin.AuditEntry(actor, "import", "catalog", "draft", {"from": str(source)})

    catalog_admin.change_draft(actor, start, replace)
    typer.echo(f"{source} is {actor}'s draft catalog (based on {base}); publish it to use it")


@app.command("publish")
def publish(actor: str = typer.Option(..., help="Who publishes it (audit trail).")) -> None:
    """Validate the actor's draft as a whole and publish it as the next version."""
    from api.errors import TmfError
    from api.routers.catalog_admin import publishable
    from store import catalog_admin
    from store.db import create_tables

    create_tables()
    try:
        found = publishable(actor)
    except TmfError:
        typer.echo(f"{actor} has no draft catalog", err=True)
        raise typer.Exit(1) from None
    if found.problems:
        typer.echo("the draft cannot be published:\n- " + "\n- ".join(found.problems), err=True)
        raise typer.Exit(1)
    document = {**found.document, "version": found.version}
    catalog_admin.publish_draft(found.version, document, actor)
    typer.echo(f"published catalog {found.version}")
