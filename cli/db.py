"""`oms db`: the store's schema (Alembic migrations in store/migrations/)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Database schema migrations", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the schema (a database made before migrations is adopted first)."""
    from store import migrate

    migrate.upgrade(revision)
    typer.echo(f"database at {migrate.current()}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or `base`.")) -> None:
    """Downgrade the schema to a revision."""
    from store import migrate

    migrate.downgrade(revision)
    typer.echo(f"database at {migrate.current() or 'base'}")


@app.command()
def current() -> None:
    """The schema's revision, and the code's."""
    from store import migrate

    typer.echo(f"database: {migrate.current() or 'none'}; code: {migrate.head()}")


@app.command()
def revision(message: str = typer.Option(..., "-m", help="What the migration changes.")) -> None:
    """Generate a migration from the tables' code against a database at head; review it."""
    from store import migrate

    migrate.revision(message)
