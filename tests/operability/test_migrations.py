"""Schema migrations: every table under Alembic, upgrades keep the data, round trips are clean.
Runs on the session's kind of database (SQLite, or PostgreSQL with TESSERA_TEST_DB=postgres)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import store.tables  # noqa: F401 (every table in the metadata)
from store import migrate
from store.db import engine_for
from store.order_tables import ProductOrderRecord
from tests.test_store_startup import fresh_database

__all__ = ["fresh_database"]


def differences(engine: Engine) -> list[object]:
    """What the database's schema lacks or has beyond the code's tables (empty: the same)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def add_orders_at_baseline(engine: Engine) -> None:
    """Two orders as the baseline schema (0001) holds them: one closed, one open."""
    order = sa.table(
        "product_order",
        *(sa.column(c) for c in ("id", "state", "order_date", "jeopardy_rank", "revision")),
        sa.column("document", sa.JSON),
    )
    rows = [
        {"id": "closed-1", "state": "completed", "completionDate": "2026-03-01T10:30:00Z"},
        {"id": "open-1", "state": "inProgress"},
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                order.insert().values(
                    id=row["id"],
                    state=row["state"],
                    order_date=datetime(2026, 3, 1, 9, 0),
                    jeopardy_rank=0,
                    revision=3,
                    document={**row, "orderDate": "2026-03-01T09:00:00Z"},
                )
            )


def test_migrations_make_exactly_the_tables_of_the_code(fresh_database: str) -> None:
    engine = engine_for(fresh_database)
    migrate.upgrade(engine=engine)
    assert migrate.current(engine) == migrate.head()
    assert tables(engine) == set(SQLModel.metadata.tables)
    assert differences(engine) == []


def test_upgrade_downgrade_upgrade_is_clean(fresh_database: str) -> None:
    engine = engine_for(fresh_database)
    migrate.upgrade(engine=engine)
    migrate.downgrade("base", engine=engine)
    assert tables(engine) == set()
    assert migrate.current(engine) is None
    migrate.upgrade(engine=engine)
    assert migrate.current(engine) == migrate.head()
    assert differences(engine) == []


def test_orders_at_the_previous_schema_read_back_after_the_upgrade(fresh_database: str) -> None:
    engine = engine_for(fresh_database)
    migrate.upgrade("0001", engine=engine)
    add_orders_at_baseline(engine)

    migrate.upgrade(engine=engine)

    with Session(engine) as session:
        closed = session.get(ProductOrderRecord, "closed-1")
        still_open = session.get(ProductOrderRecord, "open-1")
    assert closed is not None and still_open is not None
    assert (closed.state, closed.revision) == ("completed", 3)
    assert closed.document["completionDate"] == "2026-03-01T10:30:00Z"
    # The new column is filled in from what the order already said.
    assert closed.closed_at == datetime(2026, 3, 1, 10, 30)
    assert still_open.closed_at is None
    # And back: the downgrade keeps the rows too.
    migrate.downgrade("0001", engine=engine)
    with engine.connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM product_order ORDER BY id")).scalars()
        assert list(ids) == ["closed-1", "open-1"]


def test_a_database_made_before_migrations_is_adopted(fresh_database: str) -> None:
    """Deployments that ran `create_all` have the baseline's tables and no version table."""
    engine = engine_for(fresh_database)
    migrate.upgrade("0001", engine=engine)
    add_orders_at_baseline(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE alembic_version"))

    migrate.upgrade(engine=engine)

    assert migrate.current(engine) == migrate.head()
    assert differences(engine) == []
    with Session(engine) as session:
        closed = session.get(ProductOrderRecord, "closed-1")
    assert closed is not None and closed.closed_at == datetime(2026, 3, 1, 10, 30)


def test_the_domain_order_index_is_filled_in_from_existing_orders(fresh_database: str) -> None:
    """0005 indexes the service and resource orders that orders written before it list."""
    engine = engine_for(fresh_database)
    migrate.upgrade("0004", engine=engine)
    refs = [
        {"id": "order-o-1/cfs", "domain": "service", "specification": "cfs", "state": "completed"},
        {"id": "order-o-1/res", "domain": "resource", "specification": "res", "state": "held"},
        {"id": "order-o-1/prod", "domain": "product", "specification": "p", "state": "completed"},
    ]
    document = {"id": "o-1", "productOrderItem": [{"id": "1", "domainOrder": refs}]}
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO product_order (id, state, customer_id, order_date, jeopardy_rank,"
                " revision, document) VALUES ('o-1', 'inProgress', 'cust-9', :date, 0, 2, :doc)"
            ),
            {"date": datetime(2026, 3, 1, 9, 0), "doc": json.dumps(document)},
        )

    migrate.upgrade(engine=engine)

    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, domain, state, customer_id FROM domain_order ORDER BY position")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("order-o-1/cfs", "service", "completed", "cust-9"),
        ("order-o-1/res", "resource", "held", "cust-9"),
    ]
